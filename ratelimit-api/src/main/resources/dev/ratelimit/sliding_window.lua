-- Sliding window, q per w: value "i:c:p", this window's counter c and the previous one's p.
-- Microseconds from offset e of window i until the estimate, with no further traffic, is at most
-- k. The estimate only falls with time, so the first such instant is exact.
local function sliding_until_at_most(k, c, p, e, w)
  if c <= k then
    local at = e
    if p > 0 then
      at = w - ceildiv((k - c + 1) * w, p) + 1
      if at < e then at = e end
    end
    if at < w then return at - e end
  end
  local nxt = 0
  if c > 0 then
    nxt = w - ceildiv((k + 1) * w, c) + 1
    if nxt < 0 then nxt = 0 end
  end
  return w - e + nxt
end

local function sliding_window(value, now, n, q, w, consume)
  local i = idiv(now, w)
  local c, p = 0, 0
  if value then
    local si, sc, sp = string.match(value, '^(%d+):(%d+):(%d+)$')
    if si then
      si = tonumber(si)
      if si == i then
        c, p = tonumber(sc), tonumber(sp)
      elseif si == i - 1 then
        p = tonumber(sc)
      end
    end
  end
  local e = now - i * w
  local s = c + idiv(p * (w - e), w)
  local ok = s + n <= q
  if consume == nil then consume = ok end
  local after, stored = c, nil
  local used = s
  if consume then used = used + n end
  if consume and n > 0 then
    after = c + n
    stored = int(i) .. ':' .. int(after) .. ':' .. int(p)
  end
  local remaining = q - used
  if remaining < 0 then remaining = 0 end
  local retry = 0
  if not ok then retry = sliding_until_at_most(q - n, c, p, e, w) end
  return ok, remaining, sliding_until_at_most(0, after, p, e, w), retry, stored, (i + 2) * w - now
end
