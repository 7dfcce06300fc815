-- Shared helpers. Lua numbers are doubles: integers below 2^53 are exact, but a quotient is
-- rounded, so floor division is corrected by one step; integers are formatted with %d, never
-- tostring (which switches to exponent notation). Everything here runs on every call, so the
-- scripts define plain local functions and keep state in locals rather than tables.
local function idiv(a, b)
  local q = math.floor(a / b)
  local r = a - q * b
  if r < 0 then return q - 1 end
  if r >= b then return q + 1 end
  return q
end

local function ceildiv(a, b)
  local q = idiv(a, b)
  if q * b < a then return q + 1 end
  return q
end

local function int(x)
  return string.format('%d', x)
end

-- The time in microseconds: the argument when the caller passes one, else the server's clock.
local function clock(arg)
  if arg ~= '' then return tonumber(arg) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end
