-- The physical reference of the Redis benchmarks: a minimal GCRA token bucket, the least a
-- correct server-clock script does per decision (TIME, GET, SET ... PX), for one permit.
-- KEYS[1]: the key. ARGV[1]: emission interval in µs; ARGV[2]: tolerance in µs (capacity x
-- interval). Reply: allowed (1/0), remaining.
local t = redis.call('TIME')
local now = t[1] * 1000000 + t[2]
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat or tat < now then
  tat = now
end
local new_tat = tat + interval
if new_tat - now > tolerance then
  local remaining = math.floor((tolerance - (tat - now)) / interval)
  if remaining < 0 then
    remaining = 0
  end
  return {0, remaining}
end
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil((new_tat - now) / 1000))
return {1, math.floor((tolerance - (new_tat - now)) / interval)}
