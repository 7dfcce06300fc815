-- One decision for one key under one policy, atomically.
-- KEYS[j]: the state key of limit j.
-- ARGV[1]: now in µs, or '' for the server's TIME; ARGV[2]: permits; ARGV[3]: TTL grace in ms;
-- then three per limit: the algorithm ('f', 's' or 't') and its two parameters (q and w, or t and bt).
-- Every limit is checked before any is consumed: the request consumes from all or from none.
-- Reply: four integers per limit: allowed (1/0), remaining, resetAfter µs, retryAfter µs.
local now = clock(ARGV[1])
local n = tonumber(ARGV[2])
local grace = tonumber(ARGV[3])
local chosen, states = {}, {}
local all = true
for j = 1, #KEYS do
  local o = 3 * j + 1
  local algorithm = algorithms[ARGV[o]]
  local state = algorithm.load(redis.call('GET', KEYS[j]), now, tonumber(ARGV[o + 1]), tonumber(ARGV[o + 2]))
  chosen[j], states[j] = algorithm, state
  if all and not algorithm.allows(state, n) then all = false end
end
local reply = {}
for j = 1, #KEYS do
  local ok, remaining, reset, retry, value, lifetime = chosen[j].settle(states[j], n, all)
  if value then
    redis.call('SET', KEYS[j], value, 'PX', int(ceildiv(lifetime, 1000) + grace))
  end
  reply[#reply + 1] = ok and 1 or 0
  reply[#reply + 1] = remaining
  reply[#reply + 1] = reset
  reply[#reply + 1] = retry
end
return reply
