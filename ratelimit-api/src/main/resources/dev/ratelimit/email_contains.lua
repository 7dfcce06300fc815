-- KEYS[1]: the sorted set; KEYS[2]: the hash of records; ARGV[1]: identity. Reply: 1 if stored.
return redis.call('HEXISTS', KEYS[2], ARGV[1])
