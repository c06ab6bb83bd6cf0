import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis, type Result } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ExpiringNotes } from './expiring-notes.ts';
import type { ControlHandler, ControlReply, Fleet, LostHandler, OwnedEntry } from './fleet.ts';
import { CLAIM_PLACE, HEARTBEAT, OWNER } from './scripts.ts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    vgClaimPlace(places: string, id: string, max: number, ttlMs: number): Result<number, Context>;
    vgHeartbeat(replicas: string, places: string, replica: string, ttlMs: number, ...ids: string[]): Result<[number, string[]], Context>;
    vgOwner(replicas: string, dirKey: string): Result<string | null, Context>;
  }
}

export interface RedisFleetOptions {
  url: string;
  log: Logger;
  /** Sessions the whole fleet may hold (FLEET_MAX_SESSIONS); default unlimited. */
  maxSessions?: number;
  /** How long a replica's entries outlive its last heartbeat (FLEET_TTL_MS); it beats three times as often. */
  ttlMs?: number;
  /** Key and channel prefix: several deployments (or tests) can share one Redis. */
  prefix?: string;
  /** Longest wait for the owning replica to answer a forwarded action. */
  forwardTimeoutMs?: number;
}

/** A survivor that claimed a dead replica's leftovers has this long before another may try. */
const REAP_CLAIM_MS = 60_000;
/** Forwarded actions waiting for their answer, at most. */
const MAX_IN_FLIGHT = 1_000;

const message = z.discriminatedUnion('t', [
  z.object({ t: z.literal('req'), req: z.string(), from: z.string(), action: z.string(), id: z.string(), args: z.record(z.string(), z.string()) }),
  z.object({ t: z.literal('res'), req: z.string(), status: z.number().int(), body: z.unknown().optional() }),
]);
type Message = z.infer<typeof message>;
const ownedEntry = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('session'), edge: z.string(), startedAt: z.number() }),
  z.object({ kind: z.literal('webrtc') }),
  z.object({ kind: z.literal('sip') }),
]);

/**
 * The fleet in Redis. Each replica beats every ttl/3: its entry in `replicas` and its places and
 * directory keys live for one ttl past the last beat, so a replica that dies leaves nothing behind
 * for long, and the OWNER script never names a replica whose beat has lapsed. Control actions go
 * to the owner over pub/sub (one channel per replica); PUBLISH counting no subscriber means the
 * owner is gone. One survivor (whoever sets the reap key first) ends what a dead replica owned.
 */
/** Longest a Redis command may take before it counts as failed. */
const COMMAND_TIMEOUT_MS = 2_000;

export class RedisFleet implements Fleet {
  readonly kind = 'redis' as const;
  readonly replicaId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  readonly rateLimitStore: Redis;
  readonly #sub: Redis;
  readonly #log: Logger;
  readonly #ttlMs: number;
  readonly #maxSessions: number;
  readonly #forwardTimeoutMs: number;
  readonly #k: { replicas: string; places: string; dir: (id: string) => string; owned: (replica: string) => string; channel: (replica: string) => string; once: (key: string) => string; note: (key: string) => string; reap: (replica: string) => string };
  readonly #owned = new Map<string, OwnedEntry>();
  readonly #places = new Set<string>();
  readonly #notes = new ExpiringNotes();
  readonly #handlers = new Map<string, ControlHandler>();
  readonly #lost = new Map<OwnedEntry['kind'], LostHandler>();
  readonly #waiting = new Map<string, (reply: ControlReply | undefined) => void>();
  #beat?: NodeJS.Timeout;
  /** A beat still running (a slow Redis, a long reap) is not overlapped by the next. */
  #beating = false;
  /** Ending what dead replicas owned, apart from the beats. */
  #reaping = false;
  /** Since when every beat has reached Redis (performance clock); unset after a failed beat. */
  #inTouchSince: number | undefined;
  #full = false;

  private constructor(redis: Redis, sub: Redis, opts: RedisFleetOptions) {
    this.rateLimitStore = redis;
    this.#sub = sub;
    this.#log = opts.log.child({ component: 'fleet', replica: this.replicaId });
    this.#ttlMs = opts.ttlMs ?? 15_000;
    this.#maxSessions = opts.maxSessions ?? Number.POSITIVE_INFINITY;
    this.#forwardTimeoutMs = opts.forwardTimeoutMs ?? 5_000;
    const p = opts.prefix ?? 'vg:';
    this.#k = {
      replicas: `${p}replicas`,
      places: `${p}places`,
      dir: (id) => `${p}dir:${id}`,
      owned: (replica) => `${p}owned:${replica}`,
      channel: (replica) => `${p}ctl:${replica}`,
      once: (key) => `${p}${key}`,
      note: (key) => `${p}note:${key}`,
      reap: (replica) => `${p}reap:${replica}`,
    };
  }

  /** Connects (both the command and the subscriber connection), joins the fleet and starts beating. */
  static async open(opts: RedisFleetOptions): Promise<RedisFleet> {
    // No offline queue: while Redis is away a command fails at once rather than holding a call up.
    // A Redis that is connected but does not answer (a partition, a failover) fails a command after
    // COMMAND_TIMEOUT_MS, never holding a session start or a shutdown up for longer.
    const options = { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 5_000, commandTimeout: COMMAND_TIMEOUT_MS };
    const redis = new Redis(opts.url, options);
    const sub = new Redis(opts.url, options);
    for (const client of [redis, sub]) client.on('error', (err) => opts.log.warn({ err: err.message }, 'fleet: Redis connection error'));
    try {
      await Promise.all([redis.connect(), sub.connect()]);
    } catch (err) {
      redis.disconnect();
      sub.disconnect();
      throw err;
    }
    redis.defineCommand('vgClaimPlace', { numberOfKeys: 1, lua: CLAIM_PLACE });
    redis.defineCommand('vgHeartbeat', { numberOfKeys: 2, lua: HEARTBEAT });
    redis.defineCommand('vgOwner', { numberOfKeys: 2, lua: OWNER });
    const fleet = new RedisFleet(redis, sub, opts);
    await fleet.#join();
    return fleet;
  }

  get full(): boolean {
    return this.#full;
  }

  async #join(): Promise<void> {
    this.#sub.on('message', (_channel, raw: string) => this.#onMessage(raw));
    await this.#sub.subscribe(this.#k.channel(this.replicaId));
    await this.#heartbeat();
    this.#beat = setInterval(() => void this.#heartbeat(), Math.max(100, Math.floor(this.#ttlMs / 3)));
    this.#beat.unref();
    this.#log.info({ ttl_ms: this.#ttlMs }, 'fleet: joined');
  }

  async #heartbeat(): Promise<void> {
    if (this.#beating) return;
    this.#beating = true;
    const redis = this.rateLimitStore;
    try {
      const pipeline = redis.pipeline();
      pipeline.vgHeartbeat(this.#k.replicas, this.#k.places, this.replicaId, this.#ttlMs, ...this.#places);
      // Written again, not only kept alive: an entry lost to a failed write or a Redis restart comes back.
      for (const [id, entry] of this.#owned) {
        pipeline.set(this.#k.dir(id), this.replicaId, 'PX', this.#ttlMs);
        pipeline.hset(this.#k.owned(this.replicaId), id, JSON.stringify(entry));
      }
      // The owned list outlives the replica, so a survivor can still read it after the beat lapses.
      if (this.#owned.size > 0) pipeline.pexpire(this.#k.owned(this.replicaId), this.#ttlMs * 4);
      const results = await pipeline.exec();
      const [err, beat] = results?.[0] ?? [new Error('no reply')];
      if (err) throw err;
      const [live, dead] = beat as [number, string[]];
      this.#full = live >= this.#maxSessions;
      const now = performance.now();
      this.#inTouchSince ??= now;
      // After Redis was away, every replica's beat has lapsed, not just a dead one's: reap only once
      // this replica has itself been in touch for a whole TTL, so the others have had time to beat again.
      if (now - this.#inTouchSince >= this.#ttlMs && dead.length > 0 && !this.#reaping) {
        const lapsed: [string, number][] = [];
        for (let i = 0; i < dead.length; i += 2) lapsed.push([dead[i], Number(dead[i + 1]) - this.#ttlMs]);
        // Not awaited: ending a dead replica's calls (hang-ups through the Calls API, records) can
        // take long, and a beat held up that long would let this replica's own entries lapse.
        void this.#reapAll(lapsed);
      }
    } catch (err) {
      this.#inTouchSince = undefined;
      this.#log.warn({ err: (err as Error).message }, 'fleet: heartbeat failed');
    } finally {
      this.#beating = false;
    }
  }

  /** Reaps the replicas found dead, one after the other, one run at a time (the next beat finds any left). */
  async #reapAll(lapsed: [string, number][]): Promise<void> {
    this.#reaping = true;
    try {
      for (const [replica, lostAt] of lapsed) await this.#reap(replica, lostAt);
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'fleet: reaping a dead replica failed; it is tried again once its claim lapses');
    } finally {
      this.#reaping = false;
    }
  }

  /** Ends what a dead replica owned, if this survivor is the first to claim it. */
  async #reap(replica: string, lostAt: number): Promise<void> {
    const redis = this.rateLimitStore;
    if ((await redis.set(this.#k.reap(replica), this.replicaId, 'PX', REAP_CLAIM_MS, 'NX')) !== 'OK') return;
    const entries = await redis.hgetall(this.#k.owned(replica));
    this.#log.warn({ lost_replica: replica, entries: Object.keys(entries).length }, 'fleet: a replica stopped beating; ending what it owned');
    for (const [id, raw] of Object.entries(entries)) {
      const parsed = ownedEntry.safeParse(safeJson(raw));
      if (!parsed.success) continue;
      const handler = this.#lost.get(parsed.data.kind);
      try {
        await handler?.(id, parsed.data, lostAt);
      } catch (err) {
        this.#log.warn({ err, id, kind: parsed.data.kind }, 'fleet: ending a lost replica\'s entry failed');
      }
    }
    await redis.multi().del(this.#k.owned(replica), ...Object.keys(entries).map((id) => this.#k.dir(id))).zrem(this.#k.replicas, replica).exec();
  }

  async claimPlace(sessionId: string): Promise<boolean> {
    if (this.#maxSessions === Number.POSITIVE_INFINITY) return true;
    try {
      const taken = await this.rateLimitStore.vgClaimPlace(this.#k.places, sessionId, this.#maxSessions, this.#ttlMs);
      // The claim that took the last place makes the next start here refuse before the upgrade.
      this.#full = taken === 0 || taken >= this.#maxSessions;
      if (taken > 0) this.#places.add(sessionId);
      return taken > 0;
    } catch (err) {
      // Redis away: each replica's own MAX_SESSIONS still holds; the call is not refused for it.
      this.#log.warn({ err: (err as Error).message }, 'fleet: the session limit could not be checked; admitting');
      return true;
    }
  }

  releasePlace(sessionId: string): void {
    if (!this.#places.delete(sessionId)) return;
    this.#full = false;
    this.rateLimitStore.zrem(this.#k.places, sessionId).catch((err: Error) => this.#log.warn({ err: err.message }, 'fleet: releasing a place failed'));
  }

  own(id: string, entry: OwnedEntry): void {
    this.#owned.set(id, entry);
    this.rateLimitStore.multi()
      .set(this.#k.dir(id), this.replicaId, 'PX', this.#ttlMs)
      .hset(this.#k.owned(this.replicaId), id, JSON.stringify(entry))
      .pexpire(this.#k.owned(this.replicaId), this.#ttlMs * 4)
      .exec()
      .catch((err: Error) => this.#log.warn({ err: err.message, id }, 'fleet: announcing an owned id failed'));
  }

  disown(id: string): void {
    if (!this.#owned.delete(id)) return;
    this.rateLimitStore.multi().del(this.#k.dir(id)).hdel(this.#k.owned(this.replicaId), id).exec()
      .catch((err: Error) => this.#log.warn({ err: err.message, id }, 'fleet: withdrawing an owned id failed'));
  }

  async ownerOf(id: string): Promise<string | undefined> {
    return (await this.rateLimitStore.vgOwner(this.#k.replicas, this.#k.dir(id))) ?? undefined;
  }

  serve(action: string, handler: ControlHandler): void {
    this.#handlers.set(action, handler);
  }

  async forward(action: string, id: string, args: Record<string, string>): Promise<ControlReply | undefined> {
    try {
      return await this.#forward(action, id, args);
    } catch (err) {
      return unavailable(`Redis: ${(err as Error).message}`);
    }
  }

  async #forward(action: string, id: string, args: Record<string, string>): Promise<ControlReply | undefined> {
    const owner = await this.ownerOf(id);
    if (owner === undefined || owner === this.replicaId) return undefined;
    if (this.#waiting.size >= MAX_IN_FLIGHT) return unavailable(`${MAX_IN_FLIGHT} forwarded actions are in flight`);
    const req = randomBytes(9).toString('base64url');
    const answered = new Promise<ControlReply | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(req);
        resolve(unavailable(`replica ${owner} did not answer within ${this.#forwardTimeoutMs} ms`));
      }, this.#forwardTimeoutMs);
      this.#waiting.set(req, (reply) => {
        clearTimeout(timer);
        this.#waiting.delete(req);
        resolve(reply);
      });
    });
    const request: Message = { t: 'req', req, from: this.replicaId, action, id, args };
    const receivers = await this.rateLimitStore.publish(this.#k.channel(owner), JSON.stringify(request));
    // Nobody listens on the owner's channel: it died since its last beat.
    if (receivers === 0) this.#waiting.get(req)?.(undefined);
    return answered;
  }

  #onMessage(raw: string): void {
    const parsed = message.safeParse(safeJson(raw));
    if (!parsed.success) {
      this.#log.warn('fleet: a malformed control message was ignored');
      return;
    }
    const msg = parsed.data;
    if (msg.t === 'res') {
      this.#waiting.get(msg.req)?.({ status: msg.status, body: msg.body });
      return;
    }
    const handler = this.#handlers.get(msg.action);
    void (async () => {
      let reply: ControlReply;
      try {
        reply = handler ? await handler(msg.id, msg.args) : { status: 404 };
      } catch (err) {
        this.#log.warn({ err, action: msg.action }, 'fleet: a forwarded action failed');
        reply = { status: 500 };
      }
      const answer: Message = { t: 'res', req: msg.req, status: reply.status, body: reply.body };
      await this.rateLimitStore.publish(this.#k.channel(msg.from), JSON.stringify(answer));
    })().catch((err: unknown) => this.#log.warn({ err }, 'fleet: answering a forwarded action failed'));
  }

  async firstTime(key: string, rememberMs: number): Promise<boolean> {
    return (await this.rateLimitStore.set(this.#k.once(key), this.replicaId, 'PX', rememberMs, 'NX')) === 'OK';
  }

  note(key: string, value: string, ttlMs: number): void {
    this.#notes.set(key, value, ttlMs);
    this.rateLimitStore.set(this.#k.note(key), value, 'PX', ttlMs).catch((err: unknown) => {
      this.#log.warn({ err: (err as Error).message }, 'fleet: a note could not be shared; only this replica has it');
    });
  }

  /** This replica's own notes first (they need no round trip, and survive a Redis that is away). */
  async readNote(key: string): Promise<string | undefined> {
    const own = this.#notes.get(key);
    if (own !== undefined) return own;
    return (await this.rateLimitStore.get(this.#k.note(key))) ?? undefined;
  }

  onLost(kind: OwnedEntry['kind'], handler: LostHandler): void {
    this.#lost.set(kind, handler);
  }

  /** Leaves the fleet: this replica's entries go at once rather than at their expiry. */
  async close(): Promise<void> {
    clearInterval(this.#beat);
    const redis = this.rateLimitStore;
    try {
      await redis.multi()
        .del(this.#k.owned(this.replicaId), ...[...this.#owned.keys()].map((id) => this.#k.dir(id)))
        .zrem(this.#k.replicas, this.replicaId)
        .exec();
      if (this.#places.size > 0) await redis.zrem(this.#k.places, ...this.#places);
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'fleet: leaving failed; the entries expire on their own');
    }
    for (const resolve of this.#waiting.values()) resolve(undefined);
    this.#sub.disconnect();
    await redis.quit().catch(() => redis.disconnect());
  }
}

function unavailable(detail: string): ControlReply {
  return { status: 503, body: { error: { code: 'VG_ERR_FLEET_UNAVAILABLE', message: `The replicas' shared state did not answer: ${detail}` } } };
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
