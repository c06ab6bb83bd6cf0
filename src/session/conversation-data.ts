import { checkSlotValues, type SlotSpec, type SlotValues } from '../engine/slots.ts';
import type { SlotAccess } from '../tools/tool.ts';
import { VgError } from '../errors.ts';

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

  /**
   * Undoes a merge of `merged` whose move did not happen: each of its names goes back to what
   * `before` held, unless something (a tool meanwhile) has set it since. Returns whether anything changed.
   */
  revert(merged: SlotValues, before: SlotValues): boolean {
    let changed = false;
    const values = { ...this.#values };
    for (const [name, value] of Object.entries(merged)) {
      if (JSON.stringify(values[name]) !== JSON.stringify(value)) continue;
      if (before[name] === undefined) delete values[name];
      else values[name] = before[name];
      changed = true;
    }
    if (changed) {
      this.#values = values;
      this.#version++;
    }
    return changed;
  }

  /**
   * What a tool handler gets: read any value, set a declared one (checked against its schema).
   * Once `until` is aborted (the call is over: answered or timed out) a late `set` is refused.
   */
  access(until?: AbortSignal): SlotAccess {
    return {
      get: (name) => this.#values[name],
      set: (name, value) => {
        if (until?.aborted) throw new VgError('VG_ERR_TOOL_FAILED', `cannot set conversation value "${name}": the tool call is over`);
        const checked = checkSlotValues({ [name]: value }, this.#catalog);
        // A VgError reaches the model in its words (and is logged at debug only: it may quote the value).
        if (!checked.ok) throw new VgError('VG_ERR_TOOL_FAILED', `cannot set conversation value: ${checked.reason}`);
        this.merge(checked.values);
      },
    };
  }
}
