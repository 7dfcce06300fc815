-- Token bucket as GCRA (docs/ALGORITHMS.md): the stored value is tat, the theoretical arrival time.
-- Sections of the script RateLimitScript generates per policy shape (see rate_limit.lua): $j is the
-- limit's index, ARGV[$a] its emission interval t = ceil(w / q) and ARGV[$b] its tolerance
-- bt = burst * t, both in µs.
--- check
local t$j = ARGV[$a] + 0
local bt$j = ARGV[$b] + 0
local tat$j = tonumber(redis.call('GET', KEYS[$j])) or now
if tat$j < now then tat$j = now end
local new$j = tat$j + n * t$j
local ok$j = new$j - now <= bt$j
--- store
redis.call('SET', KEYS[$j], string.format('%d', new$j), 'PX', math.ceil((new$j - now) / 1000) + $grace)
--- allowed
1, math.floor((bt$j - (new$j - now)) / t$j), new$j - now, 0
--- denied
ok$j and 1 or 0, math.max(0, math.floor((bt$j - (tat$j - now)) / t$j)), tat$j - now, ok$j and 0 or new$j - now - bt$j
