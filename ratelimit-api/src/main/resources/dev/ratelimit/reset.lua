-- Forgets a caller: deletes the state keys of every limit of one policy. Reply: keys deleted.
return redis.call('DEL', unpack(KEYS))
