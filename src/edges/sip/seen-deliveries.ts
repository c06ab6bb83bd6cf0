/**
 * The webhook ids already handled, so a delivery OpenAI retries is acted on once. Bounded: the
 * oldest ids are forgotten first; a retry comes within minutes, long before thousands of calls.
 */
export class SeenDeliveries {
  readonly #max: number;
  readonly #ids = new Set<string>();

  constructor(max = 10_000) {
    this.#max = max;
  }

  /** True the first time an id is offered, false for every repeat. */
  firstTime(id: string): boolean {
    if (this.#ids.has(id)) return false;
    this.#ids.add(id);
    if (this.#ids.size > this.#max) this.#ids.delete(this.#ids.values().next().value as string);
    return true;
  }
}
