import type { ClientEvent } from '../edges/edge.ts';

// What a conversation test's caller does on any edge: streams speech, types, and keeps what the
// gateway said (events with their time, when agent audio arrived), so run.ts and the checks never
// ask which edge it is.

type Of<T extends ClientEvent['type']> = Extract<ClientEvent, { type: T }>;
/** What the checks read of the gateway's events: all of them where the edge carries them, the facts where it does not (a phone line). */
export type CallEvent =
  | Pick<Of<'session.ready'>, 'type' | 'agent' | 'state'>
  | Pick<Of<'state.changed'>, 'type' | 'agent' | 'from' | 'to'>
  | Pick<Of<'tool.call'>, 'type' | 'name' | 'call_id' | 'arguments'>
  | Pick<Of<'tool.result'>, 'type' | 'name' | 'call_id' | 'error'>
  | Pick<Of<'transcript'>, 'type' | 'role' | 'text' | 'final'>
  | Pick<Of<'session.ended'>, 'type' | 'reason'>
  | { type: Exclude<ClientEvent['type'], 'session.ready' | 'state.changed' | 'tool.call' | 'tool.result' | 'transcript' | 'session.ended'> };

export interface Timed<T> {
  at: number;
  value: T;
}

/** Events and audio times kept per call; a test conversation is far shorter. */
export const MAX_KEPT = 50_000;
/** The caller's speech as the runner hands it to `stream()`: PCM16 mono at this rate. */
export const SPEECH_RATE_HZ = 24_000;

export abstract class Caller {
  readonly events: Timed<CallEvent>[] = [];
  /** When each piece of agent audio arrived (performance clock). */
  readonly audioAt: number[] = [];
  readonly #waiters = new Set<() => void>();

  abstract get closed(): boolean;
  /** Whether the agent has spoken since `since`, has been heard in full, and nothing happened for `quietMs`. */
  abstract agentDone(since: number, quietMs: number): boolean;
  /** Whether the caller is hearing the agent right now (what a barge-in cuts into). */
  abstract agentPlaying(): boolean;
  /** Before the caller's turn: tells the gateway how much of the agent was heard (all of it, unless cut in on), where the edge asks. */
  abstract reportPlayed(all: boolean): void;
  /** A control message (typed text), on an edge that has a text channel. */
  abstract control(message: object): void;
  /** Streams the speech at real time; resolves, when the last of it is sent, with when the first of it went out. */
  abstract stream(samples: Int16Array): Promise<number>;
  /** Hangs up; resolves once what the call showed is all in. */
  abstract close(): void | Promise<void>;

  /** What the edge did on the call, in a line for the report (where it says more than the turns do). */
  summary(): string | undefined {
    return undefined;
  }

  /** Whether the agent finished a turn (or the call ended) since `since`. */
  protected spokeSince(since: number): boolean {
    return this.events.some((e) => e.at > since && (e.value.type === 'audio.done' || e.value.type === 'session.ended'));
  }

  protected keepEvent(event: CallEvent, at = performance.now()): void {
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
