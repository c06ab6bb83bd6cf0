import type { ClientEvent } from '../edges/edge.ts';

// What a conversation test's caller does on any edge: streams speech, types, and keeps what the
// gateway said (events with their time, when agent audio arrived), so run.ts and the checks never
// ask which edge it is.

export interface Timed<T> {
  at: number;
  value: T;
}

/** Events and audio times kept per call; a test conversation is far shorter. */
export const MAX_KEPT = 50_000;

export abstract class Caller {
  readonly events: Timed<ClientEvent>[] = [];
  /** When each piece of agent audio arrived (performance clock). */
  readonly audioAt: number[] = [];
  readonly #waiters = new Set<() => void>();

  abstract get closed(): boolean;
  /** Whether the agent has spoken since `since`, has been heard in full, and nothing happened for `quietMs`. */
  abstract agentDone(since: number, quietMs: number): boolean;
  /** Before the caller's turn: tells the gateway how much of the agent was heard (all of it, unless cut in on), where the edge asks. */
  abstract reportPlayed(all: boolean): void;
  /** A control message (typed text), on an edge that has a text channel. */
  abstract control(message: object): void;
  /** Streams PCM16 24 kHz speech at real time; resolves when the last of it is sent. */
  abstract stream(samples: Int16Array): Promise<void>;
  abstract close(): void;

  /** Whether the agent finished a turn (or the call ended) since `since`. */
  protected spokeSince(since: number): boolean {
    return this.events.some((e) => e.at > since && (e.value.type === 'audio.done' || e.value.type === 'session.ended'));
  }

  protected keepEvent(event: ClientEvent, at = performance.now()): void {
    if (this.events.length < MAX_KEPT) this.events.push({ at, value: event });
  }

  protected keepAudio(at: number): void {
    if (this.audioAt.length < MAX_KEPT) this.audioAt.push(at);
  }

  /** Something happened: whoever waits checks again. */
  protected wake(): void {
    for (const wake of this.#waiters) wake();
  }

  /** Resolves once `done()` holds (checked on every event and every 100 ms); rejects with `what` after `timeoutMs`. */
  async until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (done()) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        cleanup();
        resolve();
      };
      const tick = setInterval(check, 100);
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearInterval(tick);
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
    });
  }
}
