-- Fixed window, q per w (docs/ALGORITHMS.md): the stored value is "i:c", the counter c of window
-- i = floor(now / w). Sections of the script RateLimitScript generates per policy shape (see
-- rate_limit.lua): $j is the limit's index, ARGV[$a] is q and ARGV[$b] is w in µs.
--- check
local q$j = ARGV[$a] + 0
local w$j = ARGV[$b] + 0
local i$j = math.floor(now / w$j)
local c$j = 0
local v$j = redis.call('GET', KEYS[$j])
if v$j then
  local si, sc = string.match(v$j, '^(%d+):(%d+)$')
  if si and tonumber(si) == i$j then c$j = tonumber(sc) end
end
local ok$j = c$j + n <= q$j
local edge$j = (i$j + 1) * w$j - now
--- store
redis.call('SET', KEYS[$j], string.format('%d:%d', i$j, c$j + n), 'PX', math.ceil(edge$j / 1000) + $grace)
--- allowed
1, q$j - c$j - n, c$j + n > 0 and edge$j or 0, 0
--- denied
ok$j and 1 or 0, q$j - c$j, c$j > 0 and edge$j or 0, ok$j and 0 or edge$j
