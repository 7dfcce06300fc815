-- Fixed window, q per w: value "i:c", the counter c of window i = floor(now / w).
algorithms['f'] = {
  load = function(value, now, q, w)
    local i = idiv(now, w)
    local c = 0
    if value then
      local si, sc = string.match(value, '^(%d+):(%d+)$')
      if si and tonumber(si) == i then c = tonumber(sc) end
    end
    return { now = now, q = q, w = w, i = i, c = c }
  end,

  allows = function(s, n)
    return s.c + n <= s.q
  end,

  -- ok, remaining, resetAfter, retryAfter, the value to store (nil: none), its lifetime in µs
  settle = function(s, n, consume)
    local ok = s.c + n <= s.q
    local after = s.c
    local value
    if consume and n > 0 then
      after = s.c + n
      value = int(s.i) .. ':' .. int(after)
    end
    local boundary = (s.i + 1) * s.w - s.now
    local reset, retry = 0, 0
    if after > 0 then reset = boundary end
    if not ok then retry = boundary end
    return ok, s.q - after, reset, retry, value, boundary
  end
}
