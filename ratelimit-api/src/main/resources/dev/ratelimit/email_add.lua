-- Adds one address if its identity is new.
-- KEYS[1]: the sorted set of identities, scored by position; KEYS[2]: the hash of records by identity.
-- ARGV[1]: identity; ARGV[2]: record "address<TAB>source" (source may be empty);
-- ARGV[3]: capture time in µs, or '' for the server's TIME.
-- Positions increase strictly (max(now, last + 1)), so capture order is arrival order even within
-- one microsecond. Reply: 1 when added, 0 when already present.
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local now = clock(ARGV[3])
local position = now
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] and tonumber(last[2]) >= position then position = tonumber(last[2]) + 1 end
redis.call('ZADD', KEYS[1], int(position), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], int(now) .. '\t' .. ARGV[2])
return 1
