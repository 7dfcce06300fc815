-- Up to ARGV[2] + 1 records after position ARGV[1] ('' for the first page), in capture order.
-- KEYS[1]: the sorted set; KEYS[2]: the hash of records.
-- Reply: position, record ("capturedµs<TAB>address<TAB>source"), position, record, ...
local min = '-inf'
if ARGV[1] ~= '' then min = '(' .. ARGV[1] end
local ids = redis.call('ZRANGE', KEYS[1], min, '+inf', 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[2]) + 1, 'WITHSCORES')
local reply = {}
for x = 1, #ids, 2 do
  reply[#reply + 1] = int(tonumber(ids[x + 1]))
  reply[#reply + 1] = redis.call('HGET', KEYS[2], ids[x]) or ''
end
return reply
