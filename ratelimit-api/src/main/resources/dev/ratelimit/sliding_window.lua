-- Sliding window, q per w (docs/ALGORITHMS.md): the stored value is "i:c:p", this window's
-- counter c and the previous one's p. Sections of the script RateLimitScript generates per policy
-- shape (see rate_limit.lua): $j is the limit's index, ARGV[$a] is q and ARGV[$b] is w in µs.
--- helpers
-- Microseconds from offset e of window i until the estimate, with no further traffic, is at most
-- k. The estimate only falls with time, so the first such instant is exact.
local function sliding_until(k, c, p, e, w)
  if c <= k then
    local at = e
    if p > 0 then
      at = w - math.ceil((k - c + 1) * w / p) + 1
      if at < e then at = e end
    end
    if at < w then return at - e end
  end
  local nxt = 0
  if c > 0 then
    nxt = w - math.ceil((k + 1) * w / c) + 1
    if nxt < 0 then nxt = 0 end
  end
  return w - e + nxt
end
--- check
local q$j = ARGV[$a] + 0
local w$j = ARGV[$b] + 0
local i$j = math.floor(now / w$j)
local c$j, p$j = 0, 0
local v$j = redis.call('GET', KEYS[$j])
if v$j then
  local si, sc, sp = string.match(v$j, '^(%d+):(%d+):(%d+)$')
  if si then
    si = tonumber(si)
    if si == i$j then
      c$j, p$j = tonumber(sc), tonumber(sp)
    elseif si == i$j - 1 then
      p$j = tonumber(sc)
    end
  end
end
local e$j = now - i$j * w$j
local s$j = c$j + math.floor(p$j * (w$j - e$j) / w$j)
local ok$j = s$j + n <= q$j
--- store
redis.call('SET', KEYS[$j], string.format('%d:%d:%d', i$j, c$j + n, p$j), 'PX', math.ceil(((i$j + 2) * w$j - now) / 1000) + $grace)
--- allowed
1, math.max(0, q$j - s$j - n), sliding_until(0, c$j + n, p$j, e$j, w$j), 0
--- denied
ok$j and 1 or 0, math.max(0, q$j - s$j), sliding_until(0, c$j, p$j, e$j, w$j), ok$j and 0 or sliding_until(q$j - n, c$j, p$j, e$j, w$j)
