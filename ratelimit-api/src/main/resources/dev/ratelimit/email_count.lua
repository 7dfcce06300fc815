-- KEYS[1]: the sorted set; KEYS[2]: the hash of records. Reply: the number of addresses stored.
return redis.call('ZCARD', KEYS[1])
