-- The three algorithms as functions, for the lease script (lease.lua), which asks every limit
-- what it has left before it decides how much to grant: one script for every policy shape. The
-- decision scripts are generated per shape from the sections in fixed_window.lua,
-- sliding_window.lua and token_bucket.lua instead; LeaseModeRedisTest holds both to the same
-- in-memory decisions. Needs lib.lua (int, clock). Lua numbers are doubles: integers below 2^53
-- are exact, but a quotient is rounded, so floor division is corrected by one step.
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

-- Token bucket as GCRA: value "tat", the theoretical arrival time; t = ceil(w / q), bt = burst * t.
local function token_bucket(value, now, n, t, bt, consume)
  local tat = now
  if value then
    local stored = tonumber(value)
    if stored and stored > now then tat = stored end
  end
  local newTat = tat + n * t
  local ok = newTat - now <= bt
  if consume == nil then consume = ok end
  local after, stored = tat, nil
  if consume and n > 0 then
    after = newTat
    stored = int(newTat)
  end
  local remaining = idiv(bt - (after - now), t)
  if remaining < 0 then remaining = 0 end
  local retry = 0
  if not ok then retry = newTat - now - bt end
  return ok, remaining, after - now, retry, stored, after - now
end
