-- Erases one address: its place in the order and its record.
-- KEYS[1]: the sorted set; KEYS[2]: the hash of records; ARGV[1]: identity. Reply: 1 if anything was stored.
local removed = redis.call('ZREM', KEYS[1], ARGV[1]) + redis.call('HDEL', KEYS[2], ARGV[1])
if removed > 0 then return 1 end
return 0
