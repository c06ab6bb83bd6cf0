/**
 * A token bucket: `capacity` tokens at most, refilled at `perSecond`. It bounds how far a client
 * may run ahead of a rate (audio bytes ahead of real time, frames, error replies) while letting
 * short bursts through.
 */
export class TokenBucket {
  readonly #capacity: number;
  readonly #perMs: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  /** Starts full. `now` is a millisecond clock (tests pass their own). */
  constructor(capacity: number, perSecond: number, now: () => number = () => performance.now()) {
    this.#capacity = capacity;
    this.#perMs = perSecond / 1000;
    this.#now = now;
    this.#tokens = capacity;
    this.#at = now();
  }

  /** Takes `n` tokens if there are that many; otherwise takes none and returns false. */
  take(n = 1): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#at) * this.#perMs);
    this.#at = now;
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }
}
