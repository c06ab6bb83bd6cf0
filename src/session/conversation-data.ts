import { checkSlotValues, type SlotSpec, type SlotValues } from '../engine/slots.ts';
import type { SlotAccess } from '../tools/tool.ts';

/**
 * The values one call has collected (the states' `collects`), across states and agents. Only
 * declared names with values that satisfy their schemas get in; `version` counts the changes,
 * so the session can tell whether a tool call set anything.
 */
export class ConversationData {
  readonly #catalog: ReadonlyMap<string, SlotSpec>;
  #values: Record<string, unknown> = {};
  #version = 0;

  constructor(catalog: ReadonlyMap<string, SlotSpec>) {
    this.#catalog = catalog;
  }

  get values(): SlotValues {
    return { ...this.#values };
  }

  get version(): number {
    return this.#version;
  }

  /** Adds already checked values; returns whether anything changed. */
  merge(values: SlotValues): boolean {
    const changed = Object.entries(values).some(([name, value]) => JSON.stringify(this.#values[name]) !== JSON.stringify(value));
    if (!changed) return false;
    this.#values = { ...this.#values, ...values };
    this.#version++;
    return true;
  }

  /** Puts back what `values` held before a merge whose move did not happen. */
  restore(values: SlotValues): void {
    this.#values = { ...values };
    this.#version++;
  }

  /** What a tool handler gets: read any value, set a declared one (checked against its schema). */
  access(): SlotAccess {
    return {
      get: (name) => this.#values[name],
      set: (name, value) => {
        const checked = checkSlotValues({ [name]: value }, this.#catalog);
        if (!checked.ok) throw new Error(`cannot set conversation value: ${checked.reason}`);
        this.merge(checked.values);
      },
    };
  }
}
