/**
 * One 10 ms clock for every audio pump in the process: a single timer wakes once per tick for all
 * calls, where a timer per call would wake the event loop once per call per tick. Ticks fall on a
 * fixed grid from the moment the clock started (tick n at origin + n × period), so lateness never
 * accumulates; the clock stops while no pump listens.
 */
export class FrameClock {
  readonly #periodMs: number;
  readonly #listeners = new Set<(now: number) => void>();
  #timer: NodeJS.Timeout | undefined;
  #originMs = 0;
  #ticks = 0;

  constructor(periodMs: number) {
    this.#periodMs = periodMs;
  }

  /**
   * Calls `listener` on every tick from now on and returns the time of the latest grid point (at
   * most now), so a listener can count its frames from the clock's phase and never wait on it.
   */
  join(listener: (now: number) => void): number {
    const now = performance.now();
    if (this.#listeners.size === 0) {
      this.#originMs = now;
      this.#ticks = 0;
      this.#schedule();
    }
    this.#listeners.add(listener);
    return this.#originMs + Math.floor((now - this.#originMs) / this.#periodMs) * this.#periodMs;
  }

  leave(listener: (now: number) => void): void {
    this.#listeners.delete(listener);
    if (this.#listeners.size === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #schedule(): void {
    this.#timer = setTimeout(this.#tick, Math.max(0, this.#originMs + (this.#ticks + 1) * this.#periodMs - performance.now()));
    this.#timer.unref();
  }

  #tick = (): void => {
    const now = performance.now();
    // After a stall, ticks missed are skipped, not replayed: each listener sends what is due itself.
    this.#ticks = Math.max(this.#ticks + 1, Math.floor((now - this.#originMs) / this.#periodMs));
    for (const listener of this.#listeners) listener(now);
    if (this.#listeners.size > 0) this.#schedule();
  };
}
