import type { Redis } from 'ioredis';

/**
 * What replicas of one deployment share. One process alone keeps it all in memory (LocalFleet, the
 * default, so `npm start` needs nothing); with REDIS_URL the replicas share it in Redis (RedisFleet).
 */
export interface Fleet {
  readonly kind: 'local' | 'redis';
  /** This process's id in the fleet (logs, /healthz, the directory). */
  readonly replicaId: string;
  /** The client @fastify/rate-limit keeps its counters in; none = in process. */
  readonly rateLimitStore?: Redis;

  /**
   * Takes one place under the fleet-wide session limit for `sessionId`; false when the fleet is
   * full. A place is held until released, or until its replica stops renewing it (it died).
   */
  claimPlace(sessionId: string): Promise<boolean>;
  releasePlace(sessionId: string): void;
  /** Whether the last look at the fleet found it full (for the synchronous refusals before a start). */
  readonly full: boolean;

  /** Announces that this replica owns `id` (a session, a browser call, a SIP call) until disowned. */
  own(id: string, entry: OwnedEntry): void;
  disown(id: string): void;
  /** The replica that owns `id`, if a live one does. */
  ownerOf(id: string): Promise<string | undefined>;

  /** Serves one kind of control action for the ids this replica owns (called by other replicas too). */
  serve(action: string, handler: ControlHandler): void;
  /**
   * Runs an action on the replica owning `id`, when another replica owns it; undefined when no
   * live replica does (this one included: the caller checks its own first).
   */
  forward(action: string, id: string, args: Record<string, string>): Promise<ControlReply | undefined>;

  /**
   * True the first time `key` is offered anywhere in the fleet (within `rememberMs` of it), false
   * for every repeat: an OpenAI webhook delivered twice, a Twilio stream token presented again.
   */
  firstTime(key: string, rememberMs: number): Promise<boolean>;

  /**
   * Leaves a short note for `ttlMs` that any replica can read (how a phone call's stream ended,
   * for the replica Twilio asks next). Written without waiting; a replica that cannot share it
   * still reads its own.
   */
  note(key: string, value: string, ttlMs: number): void;
  /** The note left under `key`, if it has not expired; undefined when none is found. */
  readNote(key: string): Promise<string | undefined>;

  /** Handlers for what a dead replica owned, run once in the fleet by one survivor. */
  onLost(kind: OwnedEntry['kind'], handler: LostHandler): void;

  close(): Promise<void>;
}

/**
 * What the directory keeps about an owned id: enough for a survivor to end it if its replica dies,
 * and no personal data (no caller numbers).
 */
export type OwnedEntry =
  | { kind: 'session'; edge: string; startedAt: number }
  | { kind: 'webrtc' }
  | { kind: 'sip' };

/** A control action's answer, as an HTTP status and body for the route that asked. */
export interface ControlReply {
  status: number;
  body?: unknown;
}

export type ControlHandler = (id: string, args: Record<string, string>) => Promise<ControlReply>;

/** `lostAt`: the dead replica's last heartbeat (epoch ms). */
export type LostHandler = (id: string, entry: OwnedEntry, lostAt: number) => Promise<void>;
