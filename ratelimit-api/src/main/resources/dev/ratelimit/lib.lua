-- Helpers of the email scripts. Lua numbers are doubles: integers below 2^53 are exact, and are
-- formatted with %d, never tostring (which switches to exponent notation).
local function int(x)
  return string.format('%d', x)
end

-- The time in microseconds: the argument when the caller passes one, else the server's clock.
local function clock(arg)
  if arg ~= '' then return tonumber(arg) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end
