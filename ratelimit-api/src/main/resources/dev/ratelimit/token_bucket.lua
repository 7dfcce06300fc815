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
