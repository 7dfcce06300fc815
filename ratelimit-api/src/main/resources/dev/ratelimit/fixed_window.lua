-- Fixed window, q per w: value "i:c", the counter c of window i = floor(now / w).
-- Every algorithm has this shape: (stored value or false, now, permits, two parameters, consume)
-- -> ok, remaining, resetAfter, retryAfter, the value to store (nil: none), its lifetime in µs.
-- consume: true or false as the whole policy decided, or nil to consume exactly when this limit allows.
local function fixed_window(value, now, n, q, w, consume)
  local i = idiv(now, w)
  local c = 0
  if value then
    local si, sc = string.match(value, '^(%d+):(%d+)$')
    if si and tonumber(si) == i then c = tonumber(sc) end
  end
  local ok = c + n <= q
  if consume == nil then consume = ok end
  local after, stored = c, nil
  if consume and n > 0 then
    after = c + n
    stored = int(i) .. ':' .. int(after)
  end
  local boundary = (i + 1) * w - now
  local reset, retry = 0, 0
  if after > 0 then reset = boundary end
  if not ok then retry = boundary end
  return ok, q - after, reset, retry, stored, boundary
end
