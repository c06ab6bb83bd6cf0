import type { RealtimeClientMessage } from '@openai/agents/realtime';

/** What waits while the backend connection is down: audio and events (of either voice API), in the order they were sent. */
export type HeldItem<E = RealtimeClientMessage> =
  | { kind: 'audio'; payload: string }
  | { kind: 'event'; event: E }
  | { kind: 'response'; response?: Record<string, unknown> };

/** Limits of the hold, so a long outage cannot grow memory: audio by size, events by count. */
export interface HoldLimits {
  maxAudioChars: number;
  maxEvents: number;
}

/**
 * Everything the session sends while the backend connection is being restored, so that nothing
 * the caller said or a tool returned is lost, and it goes out after the restored conversation.
 * Past its limits the oldest audio goes first (the caller is told to repeat); events beyond the
 * cap are dropped and counted.
 */
export class HeldOutbox<E = RealtimeClientMessage> {
  readonly #limits: HoldLimits;
  #items: HeldItem<E>[] = [];
  #audioChars = 0;
  #events = 0;
  droppedAudioChars = 0;
  droppedEvents = 0;

  constructor(limits: HoldLimits) {
    this.#limits = limits;
  }

  get size(): number {
    return this.#items.length;
  }

  /** Whether a response request is waiting (so a restore does not ask for a second one). */
  get holdsResponse(): boolean {
    return this.#items.some((item) => item.kind === 'response');
  }

  push(item: HeldItem<E>): void {
    if (item.kind === 'audio') {
      this.#items.push(item);
      this.#audioChars += item.payload.length;
      while (this.#audioChars > this.#limits.maxAudioChars) this.#dropOldestAudio();
      return;
    }
    if (this.#events >= this.#limits.maxEvents) {
      this.droppedEvents++;
      return;
    }
    this.#events++;
    this.#items.push(item);
  }

  /** Empties the hold, returning what it held in order. */
  take(): HeldItem<E>[] {
    const items = this.#items;
    this.#items = [];
    this.#audioChars = 0;
    this.#events = 0;
    return items;
  }

  #dropOldestAudio(): void {
    const index = this.#items.findIndex((item) => item.kind === 'audio');
    const [dropped] = this.#items.splice(index, 1);
    if (dropped?.kind !== 'audio') return;
    this.#audioChars -= dropped.payload.length;
    this.droppedAudioChars += dropped.payload.length;
  }
}
