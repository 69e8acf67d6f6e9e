// The Lua side of the fleet-wide buckets. Each script runs atomically in Redis and reads the time
// with TIME, so every pod agrees on the clock. Mirrors bucket-limits.ts (refill, takeFromBuckets).
// KEYS[1] = bucket hash {r, t, ts}, KEYS[2] = pause key (value: server ms the pause ends).
// ARGV[1..4] = requestsPerMs, requestCapacity, tokensPerMs, tokenCapacity (capacity 0: unlimited).

const REFILL = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local reqRate, reqCap = tonumber(ARGV[1]), tonumber(ARGV[2])
local tokRate, tokCap = tonumber(ARGV[3]), tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'r', 't', 'ts')
local last = tonumber(state[3]) or now
local elapsed = math.max(0, now - last)
local req = math.min(reqCap, (tonumber(state[1]) or reqCap) + elapsed * reqRate)
local tok = math.min(tokCap, (tonumber(state[2]) or tokCap) + elapsed * tokRate)
-- Keep a bucket a minute past the time it would take to refill from empty.
local ttl = 60000
if reqRate > 0 then ttl = math.max(ttl, math.ceil(reqCap / reqRate) + 60000) end
if tokRate > 0 then ttl = math.max(ttl, math.ceil(tokCap / tokRate) + 60000) end
local function save()
  redis.call('HSET', KEYS[1], 'r', tostring(req), 't', tostring(tok), 'ts', tostring(now))
  redis.call('PEXPIRE', KEYS[1], ttl)
end
`;

/** ARGV[5] = tokens. Returns {granted 0|1, waitMs, paused 0|1}. */
export const TAKE_SCRIPT = `${REFILL}
local pausedUntil = tonumber(redis.call('GET', KEYS[2]) or '0')
if pausedUntil > now then return {0, pausedUntil - now, 1} end
local tokens = tonumber(ARGV[5])
local wait = 0
if reqCap > 0 and req < math.min(1, reqCap) then wait = math.max(wait, (math.min(1, reqCap) - req) / reqRate) end
if tokCap > 0 and tok < math.min(tokens, tokCap) then wait = math.max(wait, (math.min(tokens, tokCap) - tok) / tokRate) end
if wait > 0 then return {0, math.ceil(wait), 0} end
if reqCap > 0 then req = req - 1 end
if tokCap > 0 then tok = tok - tokens end
save()
return {1, 0, 0}
`;

/** ARGV[5] = request delta, ARGV[6] = token delta (positive charges, negative gives back). */
export const ADJUST_SCRIPT = `${REFILL}
if reqCap > 0 then req = math.min(reqCap, req - tonumber(ARGV[5])) end
if tokCap > 0 then tok = math.min(tokCap, tok - tonumber(ARGV[6])) end
save()
return 1
`;

/** KEYS[1] = pause key, ARGV[1] = duration ms. A pause is only ever extended. */
export const PAUSE_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local duration = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current >= now + duration then return 0 end
redis.call('SET', KEYS[1], tostring(now + duration), 'PX', duration)
return 1
`;
