-- One decision for one key under one policy, atomically.
-- KEYS[j]: the state key of limit j.
-- ARGV[1]: now in µs, or '' for the server's TIME; ARGV[2]: permits; ARGV[3]: TTL grace in ms;
-- ARGV[4]: '1' to consume, '0' for a peek (the same figures, nothing stored); then three per limit: the algorithm ('f', 's' or 't') and its two parameters (q and w, or t and bt).
-- Every limit is checked before any is consumed: the request consumes from all or from none.
-- Reply: four integers per limit: allowed (1/0), remaining, resetAfter µs, retryAfter µs.
local function decide(algorithm, value, now, n, a, b, consume)
  if algorithm == 't' then return token_bucket(value, now, n, a, b, consume) end
  if algorithm == 'f' then return fixed_window(value, now, n, a, b, consume) end
  return sliding_window(value, now, n, a, b, consume)
end

local now = clock(ARGV[1])
local n = tonumber(ARGV[2])
local grace = tonumber(ARGV[3])
local store = ARGV[4] == '1'
local count = #KEYS
local values = {}
-- One limit decides for itself (nil); several are all checked first, without consuming.
local all = nil
if count > 1 then
  all = true
end
for j = 1, count do
  values[j] = redis.call('GET', KEYS[j])
  if all then
    local o = 3 * j + 2
    all = decide(ARGV[o], values[j], now, n, tonumber(ARGV[o + 1]), tonumber(ARGV[o + 2]), false)
  end
end
local reply = {}
for j = 1, count do
  local o = 3 * j + 2
  local ok, remaining, reset, retry, stored, lifetime =
      decide(ARGV[o], values[j], now, n, tonumber(ARGV[o + 1]), tonumber(ARGV[o + 2]), all)
  if stored and store then
    redis.call('SET', KEYS[j], stored, 'PX', int(ceildiv(lifetime, 1000) + grace))
  end
  reply[4 * j - 3] = ok and 1 or 0
  reply[4 * j - 2] = remaining
  reply[4 * j - 1] = reset
  reply[4 * j] = retry
end
return reply
