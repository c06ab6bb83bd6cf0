// Lua run inside Redis, so each check-and-change is atomic and every replica reads one clock
// (Redis's TIME), not its own. Times are epoch milliseconds.

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * KEYS[1] places (zset id -> expiry); ARGV id, max, ttlMs. Takes a place under the fleet-wide
 * limit unless it is full; places whose replica stopped renewing them have expired first.
 * Returns 0 when full, else the places taken with this one (so the caller knows it took the last).
 */
export const CLAIM_PLACE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
return redis.call('ZCARD', KEYS[1])`;

/**
 * KEYS[1] replicas (zset replica -> expiry), KEYS[2] places; ARGV replica, ttlMs, then the
 * replica's own places. Renews the replica and its places; returns the fleet's live places and
 * the replicas whose heartbeat has lapsed, with their expiry.
 */
export const HEARTBEAT = `${NOW}
local expiry = now + tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], expiry, ARGV[1])
for i = 3, #ARGV do redis.call('ZADD', KEYS[2], 'XX', expiry, ARGV[i]) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
return { redis.call('ZCARD', KEYS[2]), redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES') }`;

/** KEYS[1] replicas, KEYS[2] the id's directory key: its owner, if that replica is still alive. */
export const OWNER = `${NOW}
local owner = redis.call('GET', KEYS[2])
if not owner then return false end
local expiry = redis.call('ZSCORE', KEYS[1], owner)
if not expiry or tonumber(expiry) <= now then return false end
return owner`;
