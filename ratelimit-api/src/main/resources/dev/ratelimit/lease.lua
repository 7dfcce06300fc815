-- A lease: reserves a slice of one key's permits under one policy, atomically, for a limiter to
-- spend locally. The slice is consumed here at once, from every limit, so it is counted globally.
-- KEYS and ARGV as rate_limit.lua, except ARGV[4]: the slice wanted (at least ARGV[2], the permits
-- of the request that asks for the lease).
-- The grant is the slice wanted, cut to what every limit has left; when that covers the request it
-- is consumed from every limit, else nothing is consumed and the request is denied, with the same
-- figures as rate_limit.lua gives it.
-- Reply: the permits granted (0: denied); the last µs, counted from now, at which a leased permit
-- may be spent under the window limits (the current windows end then; -1 when there are none);
-- then five integers per limit: allowed, remaining, resetAfter, retryAfter (after the grant, or of
-- the denied request), and for a token bucket the µs from now to the start of the first leased
-- permit's emission interval (0 for a window limit).
local function decide(algorithm, value, now, n, a, b, consume)
  if algorithm == 't' then return token_bucket(value, now, n, a, b, consume) end
  if algorithm == 'f' then return fixed_window(value, now, n, a, b, consume) end
  return sliding_window(value, now, n, a, b, consume)
end

local now = clock(ARGV[1])
local n = tonumber(ARGV[2])
local grace = tonumber(ARGV[3])
local grant = tonumber(ARGV[4])
local count = #KEYS
local values = {}
local starts = {}
local valid = -1
for j = 1, count do
  values[j] = redis.call('GET', KEYS[j])
  local o = 3 * j + 2
  local a, b = tonumber(ARGV[o + 1]), tonumber(ARGV[o + 2])
  -- A request for nothing reports what is left: the most this limit can grant now.
  local _, left, reset = decide(ARGV[o], values[j], now, 0, a, b, false)
  if left < grant then grant = left end
  starts[j] = 0
  if ARGV[o] == 't' then
    starts[j] = reset
  else
    local last = (idiv(now, b) + 1) * b - now - 1
    if valid < 0 or last < valid then valid = last end
  end
end
local granted = grant >= n and n > 0
local asked = n
if granted then asked = grant end
local reply = {granted and grant or 0, valid}
for j = 1, count do
  local o = 3 * j + 2
  local ok, remaining, reset, retry, stored, lifetime =
      decide(ARGV[o], values[j], now, asked, tonumber(ARGV[o + 1]), tonumber(ARGV[o + 2]), granted)
  if stored and granted then
    redis.call('SET', KEYS[j], stored, 'PX', int(ceildiv(lifetime, 1000) + grace))
  end
  reply[5 * j - 2] = ok and 1 or 0
  reply[5 * j - 1] = remaining
  reply[5 * j] = reset
  reply[5 * j + 1] = retry
  reply[5 * j + 2] = starts[j]
end
return reply
