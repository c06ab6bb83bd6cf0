import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { EdgeTransport } from '../edges/edge.ts';
import { VgError } from '../errors.ts';
import type { AgentRuntime } from './agent-runtime.ts';
import type { SessionHandle, StartSession } from './starter.ts';
import type { BackendTarget, LinkPolicy } from './backend-link.ts';
import { VoiceSession } from './voice-session.ts';

export interface SessionRegistryOptions {
  runtime: AgentRuntime;
  backend: BackendTarget;
  linkPolicy: LinkPolicy;
  toolTimeoutMs: number;
  maxSessions: number;
}

/** The live sessions of one gateway: starts them for the edges, counts them, ends them on shutdown. */
export class SessionRegistry {
  readonly #opts: SessionRegistryOptions;
  readonly #live = new Map<string, VoiceSession>();

  constructor(opts: SessionRegistryOptions) {
    this.#opts = opts;
  }

  get size(): number {
    return this.#live.size;
  }

  /** Whether one more session would be accepted now (the phone asks before answering a call). */
  hasRoom(): boolean {
    return this.#live.size < this.#opts.maxSessions;
  }

  readonly start: StartSession = async (edge: EdgeTransport, { log }): Promise<SessionHandle> => {
    if (!this.hasRoom()) {
      throw new VgError('VG_ERR_SESSION_LIMIT', `${this.#live.size} sessions are live (MAX_SESSIONS=${this.#opts.maxSessions})`);
    }
    const id = `vs_${randomBytes(9).toString('base64url')}`;
    const session = new VoiceSession({
      id,
      edge,
      runtime: this.#opts.runtime,
      backend: this.#opts.backend,
      linkPolicy: this.#opts.linkPolicy,
      toolTimeoutMs: this.#opts.toolTimeoutMs,
      log: (log as Logger).child({ session_id: id, edge: edge.kind }),
    });
    this.#live.set(id, session);
    const forget = () => this.#live.delete(id);
    edge.once('close', forget);
    try {
      await session.start();
    } catch (err) {
      // The edge reports the failure and closes itself; its close ends the session's backend side.
      // The client learns only that the backend failed: the cause (hosts, ports) is for the log.
      forget();
      throw new VgError('VG_ERR_BACKEND', 'the voice backend did not answer', { cause: err });
    }
    return { id, end: async (reason) => { forget(); await session.end(reason); } };
  };

  async closeAll(reason: string): Promise<void> {
    const sessions = [...this.#live.values()];
    this.#live.clear();
    await Promise.allSettled(sessions.map((s) => s.end(reason)));
  }
}
