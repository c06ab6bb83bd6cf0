/**
 * Addresses whose device was closed for breaking a limit (a flood, audio faster than real time,
 * a stream of malformed frames) wait before they may open another session. A reconnecting flooder
 * then costs a refused upgrade, not a session start (backend connection, agent set-up) each time.
 * Each new offence within `forgetMs` of the last doubles the wait, up to `maxMs`.
 *
 * Written here rather than taken from @fastify/rate-limit: that limits how often a route is hit,
 * while this keys on what the previous connection did. The map is bounded: past `maxEntries`
 * the address punished longest ago is forgotten first.
 */
export interface PenaltyOptions {
  /** The first offence's wait; 0 turns penalties off. */
  baseMs: number;
  maxMs: number;
  /** An address with no offence for this long starts again at `baseMs`. */
  forgetMs: number;
  maxEntries: number;
  now?: () => number;
}

interface Offence {
  until: number;
  waitMs: number;
}

export class PenaltyBox {
  readonly #opts: Required<PenaltyOptions>;
  readonly #records = new Map<string, Offence>();

  constructor(opts: PenaltyOptions) {
    this.#opts = { now: () => performance.now(), ...opts };
  }

  /** Records an offence by `address`; returns how long it must now wait, in ms. */
  punish(address: string): number {
    const { baseMs, maxMs, forgetMs, maxEntries } = this.#opts;
    if (baseMs <= 0) return 0;
    const now = this.#opts.now();
    const previous = this.#records.get(address);
    const repeat = previous !== undefined && now - previous.until < forgetMs;
    const waitMs = repeat ? Math.min(maxMs, previous.waitMs * 2) : baseMs;
    // Re-inserting moves the address to the newest end of the map's order.
    this.#records.delete(address);
    this.#records.set(address, { until: now + waitMs, waitMs });
    if (this.#records.size > maxEntries) this.#records.delete(this.#records.keys().next().value as string);
    return waitMs;
  }

  /** How long `address` must still wait before a new session, in ms (0: it may connect). */
  remainingMs(address: string): number {
    const record = this.#records.get(address);
    if (!record) return 0;
    const now = this.#opts.now();
    if (now - record.until >= this.#opts.forgetMs) this.#records.delete(address);
    return Math.max(0, record.until - now);
  }
}
