-- Token bucket as GCRA: value "tat", the theoretical arrival time; t = ceil(w / q), bt = burst * t.
algorithms['t'] = {
  load = function(value, now, t, bt)
    local tat = now
    if value then
      local stored = tonumber(value)
      if stored and stored > now then tat = stored end
    end
    return { now = now, t = t, bt = bt, tat = tat }
  end,

  allows = function(st, n)
    return st.tat + n * st.t - st.now <= st.bt
  end,

  settle = function(st, n, consume)
    local newTat = st.tat + n * st.t
    local ok = newTat - st.now <= st.bt
    local after = st.tat
    local value
    if consume and n > 0 then
      after = newTat
      value = int(newTat)
    end
    local remaining = idiv(st.bt - (after - st.now), st.t)
    if remaining < 0 then remaining = 0 end
    local retry = 0
    if not ok then retry = newTat - st.now - st.bt end
    return ok, remaining, after - st.now, retry, value, after - st.now
  end
}
