-- One decision for one key under one policy, atomically. RateLimitScript generates one script per
-- policy shape (its algorithms in order, the clock, a request or a peek) from the sections of this
-- file and of the algorithm files, so a call runs its own algorithms' code and nothing else:
--   helpers of the algorithms that need one; the clock; the permits; each limit's check;
--   if every limit allows: each limit's store (a request only), then the allowed reply;
--   otherwise the denied reply.
-- A request consumes from every limit or from none; a peek computes the same figures and stores
-- nothing. KEYS[j]: the state key of limit j. ARGV[1]: permits (at least 1 for a request); then two
-- parameters per limit; with an explicit clock, last, now in µs. $grace: milliseconds added to every
-- key's TTL. Reply: four integers per limit: allowed (1/0), remaining, resetAfter µs, retryAfter µs.
-- Lua numbers are doubles, and every operand here is an integer below 2^53 (Limit's bounds), so
-- sums, products and math.floor or math.ceil of a quotient are exact; integers are stored with
-- string.format('%d'), never tostring (which switches to exponent notation). An argument becomes a
-- number by arithmetic (ARGV[k] + 0), which converts a string as tonumber does, without a call.
--- server clock
local time = redis.call('TIME')
local now = time[1] * 1000000 + time[2]
--- explicit clock
local now = ARGV[$now] + 0
--- permits
local n = ARGV[1] + 0
