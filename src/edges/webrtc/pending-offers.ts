/**
 * Answered offers not yet established, counted per client address. Each holds a server peer
 * (its UDP sockets, about 14 file descriptors) until it connects or its connect timeout drops it,
 * so one address may hold only so many at once.
 */
export class PendingOffers {
  readonly #max: number;
  /** Addresses with at least one pending offer: bounded by the live peers. */
  readonly #byAddress = new Map<string, number>();

  constructor(maxPerAddress: number) {
    this.#max = maxPerAddress;
  }

  /** Takes a place for `address`: returns its release (safe to call twice), or undefined when the address has none left. */
  take(address: string): (() => void) | undefined {
    const held = this.#byAddress.get(address) ?? 0;
    if (held >= this.#max) return undefined;
    this.#byAddress.set(address, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#byAddress.get(address) ?? 1) - 1;
      if (left > 0) this.#byAddress.set(address, left);
      else this.#byAddress.delete(address);
    };
  }
}
