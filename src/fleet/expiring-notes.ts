/**
 * Short notes kept for a while in this process: each expires after its own time, and past `max`
 * the oldest goes first, so a flood of calls can never grow it without bound.
 */
export class ExpiringNotes {
  readonly #max: number;
  readonly #notes = new Map<string, { value: string; until: number }>();

  constructor(max = 10_000) {
    this.#max = max;
  }

  set(key: string, value: string, ttlMs: number, nowMs = Date.now()): void {
    this.#notes.delete(key);
    this.#notes.set(key, { value, until: nowMs + ttlMs });
    if (this.#notes.size > this.#max) this.#notes.delete(this.#notes.keys().next().value as string);
  }

  get(key: string, nowMs = Date.now()): string | undefined {
    const note = this.#notes.get(key);
    if (!note) return undefined;
    if (note.until > nowMs) return note.value;
    this.#notes.delete(key);
    return undefined;
  }
}
