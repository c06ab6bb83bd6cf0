import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { EdgeTransport } from '../edges/edge.ts';
import { VgError } from '../errors.ts';
import type { AgentRuntime } from './agent-runtime.ts';
import type { SessionHandle, StartSession } from './starter.ts';
import type { BackendTarget, LinkPolicy } from './backend-link.ts';
import type { FactSink } from '../observability/session-facts.ts';
import { VoiceSession } from './voice-session.ts';
import type { Fleet } from '../fleet/fleet.ts';
import { LocalFleet } from '../fleet/local-fleet.ts';
import { LiveVoiceSession } from './live/live-session.ts';

/** What the registry needs of a call, on either voice API. */
type CallSession = Pick<VoiceSession, 'start' | 'end' | 'farewell'>;

export interface SessionRegistryOptions {
  runtime: AgentRuntime;
  backend: BackendTarget;
  linkPolicy: LinkPolicy;
  toolTimeoutMs: number;
  maxSessions: number;
  /** A live call is ended with a goodbye after this long (`max_duration`); 0 or unset = never. */
  maxCallMs?: number;
  facts: FactSink;
  /** The replicas this one shares sessions with (the fleet-wide limit, the directory); default: none. */
  fleet?: Fleet;
}

/** The live sessions of one gateway: starts them for the edges, counts them, ends them on shutdown. */
export class SessionRegistry {
  readonly #opts: SessionRegistryOptions;
  readonly #fleet: Fleet;
  readonly #live = new Map<string, CallSession>();
  readonly #emptyWaiters: (() => void)[] = [];
  #draining = false;

  constructor(opts: SessionRegistryOptions) {
    this.#opts = opts;
    this.#fleet = opts.fleet ?? new LocalFleet();
  }

  get size(): number {
    return this.#live.size;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Whether a session of this gateway is live. */
  has(id: string): boolean {
    return this.#live.has(id);
  }

  /** Why one more session would be refused now, or undefined when it would be accepted. */
  refusal(): VgError | undefined {
    return this.#ownRefusal() ?? (this.#fleet.full ? fleetFull() : undefined);
  }

  /** Why this replica alone would refuse one more session (draining, MAX_SESSIONS). */
  #ownRefusal(): VgError | undefined {
    if (this.#draining) return new VgError('VG_ERR_DRAINING');
    if (this.#live.size >= this.#opts.maxSessions) {
      return new VgError('VG_ERR_SESSION_LIMIT', `${this.#live.size} sessions are live (MAX_SESSIONS=${this.#opts.maxSessions})`);
    }
    return undefined;
  }

  /** Whether one more session would be accepted now (the phone asks before answering a call). */
  hasRoom(): boolean {
    return this.refusal() === undefined;
  }

  /** From now on no session starts; the live ones go on. */
  drain(): void {
    this.#draining = true;
  }

  /** Resolves once no session is live (or at once, if none is). */
  whenEmpty(): Promise<void> {
    if (this.#live.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#emptyWaiters.push(resolve));
  }

  /** Ends every live session after the agent has said a short goodbye. */
  async farewellAll(reason: string): Promise<void> {
    await Promise.allSettled([...this.#live.values()].map((s) => s.farewell(reason)));
  }

  readonly start: StartSession = async (edge: EdgeTransport, { log, backend }): Promise<SessionHandle> => {
    const refusal = this.refusal();
    if (refusal) throw refusal;
    const id = `vs_${randomBytes(9).toString('base64url')}`;
    if (!(await this.#fleet.claimPlace(id))) throw fleetFull();
    // Checked again: others may have started (or the drain begun) while the fleet answered. Not
    // the fleet's `full`: the place just taken may have been its last.
    const late = this.#ownRefusal();
    if (late) {
      this.#fleet.releasePlace(id);
      throw late;
    }
    const deps = {
      id,
      edge,
      runtime: this.#opts.runtime,
      backend: backend ?? this.#opts.backend,
      linkPolicy: this.#opts.linkPolicy,
      toolTimeoutMs: this.#opts.toolTimeoutMs,
      facts: this.#opts.facts,
      log: (log as Logger).child({ session_id: id, edge: edge.kind }),
    };
    const session: CallSession = deps.backend.api === 'live' ? new LiveVoiceSession(deps) : new VoiceSession(deps);
    this.#live.set(id, session);
    this.#fleet.own(id, { kind: 'session', edge: edge.kind, startedAt: Date.now() });
    let cap: NodeJS.Timeout | undefined;
    const forget = () => {
      clearTimeout(cap);
      if (!this.#live.delete(id)) return;
      this.#fleet.releasePlace(id);
      this.#fleet.disown(id);
      if (this.#live.size === 0) for (const resolve of this.#emptyWaiters.splice(0)) resolve();
    };
    edge.once('close', forget);
    try {
      await session.start();
    } catch (err) {
      // The edge reports the failure and closes itself; its close ends the session's backend side.
      // The client learns only that the backend failed: the cause (hosts, ports) is for the log.
      forget();
      if (err instanceof VgError && err.code === 'VG_ERR_CALL_GONE') throw err;
      throw new VgError('VG_ERR_BACKEND', 'the voice backend did not answer', { cause: err });
    }
    const maxCallMs = this.#opts.maxCallMs ?? 0;
    // Only for a call still up: one the caller left while it connected has already been forgotten.
    if (maxCallMs > 0 && this.#live.has(id)) {
      cap = setTimeout(() => {
        (log as Logger).info({ session_id: id, max_call_s: maxCallMs / 1000 }, 'call at its longest: ending it with a goodbye');
        void session.farewell('max_duration');
      }, maxCallMs);
      cap.unref();
    }
    return { id, end: async (reason) => { forget(); await session.end(reason); } };
  };

  async closeAll(reason: string): Promise<void> {
    const sessions = [...this.#live.values()];
    await Promise.allSettled(sessions.map((s) => s.end(reason)));
    for (const id of this.#live.keys()) {
      this.#fleet.releasePlace(id);
      this.#fleet.disown(id);
    }
    this.#live.clear();
    for (const resolve of this.#emptyWaiters.splice(0)) resolve();
  }
}

function fleetFull(): VgError {
  return new VgError('VG_ERR_SESSION_LIMIT', 'the replicas together hold FLEET_MAX_SESSIONS sessions');
}
