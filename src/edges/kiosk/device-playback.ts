/**
 * Where the device's playback is, on the edge's timeline: milliseconds of agent audio sent since
 * the last `audio.clear`, and the device's last `playback` report. Each clear starts a new epoch; a
 * report carries the epoch it counts in, so one sent before the device saw the clear (in flight
 * while the clear went out) is recognised as stale and ignored instead of restoring an old count.
 */
export class DevicePlayback {
  #epoch = 0;
  #sentMs = 0;
  #playedMs = 0;

  get epoch(): number {
    return this.#epoch;
  }

  get playedMs(): number {
    return this.#playedMs;
  }

  /** Agent audio actually written to the device's socket. */
  sent(ms: number): void {
    this.#sentMs += ms;
  }

  /** A clear: nothing sent, nothing played, in a new epoch (returned, for the `audio.clear` event). */
  clear(): number {
    this.#epoch += 1;
    this.#sentMs = 0;
    this.#playedMs = 0;
    return this.#epoch;
  }

  /**
   * A `playback` report. One from an older epoch is stale and ignored; one without an epoch (an
   * older device) is taken only when it cannot be stale, i.e. it claims no more than was sent
   * since the clear. A device never plays more than it was sent, so the count is capped at that.
   * Returns what was wrong with a report that cannot be right, undefined otherwise.
   */
  report(playedMs: number, epoch: number | undefined): string | undefined {
    if (epoch !== undefined && epoch > this.#epoch) {
      return `playback epoch ${epoch} is ahead of the last audio.clear's (${this.#epoch})`;
    }
    if (epoch !== undefined && epoch < this.#epoch) return undefined;
    if (epoch === undefined && playedMs > this.#sentMs + ROUNDING_MS) return undefined;
    this.#playedMs = Math.min(playedMs, this.#sentMs);
    return undefined;
  }
}

/** A device counting whole milliseconds may round up past what it was sent. */
const ROUNDING_MS = 1;
