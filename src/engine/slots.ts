import { Ajv, type ValidateFunction } from 'ajv';
import { describeSchemaErrors } from '../tools/schema-errors.ts';

/** A value a state collects (the `collects` extension of a states file). */
export interface SlotSpec {
  /** snake_case, unique in its state; the same name in several states is the same value. */
  name: string;
  /** What the value is, in a few words the model sees. */
  description: string;
  /** A JSON Schema the value must satisfy. */
  schema: Record<string, unknown>;
  /** Whether the state may be left only once the value is known. */
  required: boolean;
}

/** What a conversation has collected so far: slot name → value. Carried across states and agents. */
export type SlotValues = Readonly<Record<string, unknown>>;

// `format` is advisory here, as for tool arguments (ajv-formats is not installed).
const ajv = new Ajv({ allErrors: true, verbose: true, validateFormats: false });
const compiled = new WeakMap<object, ValidateFunction>();

/** Compiles a slot's schema (once per schema object); throws with ajv's words when it is not a valid schema. */
export function slotValidator(spec: SlotSpec): ValidateFunction {
  let validate = compiled.get(spec.schema);
  if (!validate) {
    validate = ajv.compile(spec.schema);
    compiled.set(spec.schema, validate);
  }
  return validate;
}

export type SlotCheck = { ok: true; values: Record<string, unknown> } | { ok: false; reason: string };

/**
 * Checks values the model (or a tool) offers against the slots `known` declares: every name must
 * be one of them and every value must satisfy its schema. The reason names what was wrong.
 */
export function checkSlotValues(offered: unknown, known: ReadonlyMap<string, SlotSpec>): SlotCheck {
  if (offered === undefined) return { ok: true, values: {} };
  if (typeof offered !== 'object' || offered === null || Array.isArray(offered)) {
    return { ok: false, reason: 'values must be an object of slot name → value' };
  }
  const problems: string[] = [];
  for (const [name, value] of Object.entries(offered)) {
    const spec = known.get(name);
    if (!spec) {
      problems.push(`"${name}" is not a value this conversation collects${known.size > 0 ? ` (it collects ${[...known.keys()].join(', ')})` : ''}`);
      continue;
    }
    const validate = slotValidator(spec);
    if (!validate(value)) {
      problems.push(...describeSchemaErrors(validate.errors ?? []).map((v) => `${name}${v.path}: expected ${v.expected}${v.found ? `, found ${v.found}` : ''}`));
    }
  }
  return problems.length > 0 ? { ok: false, reason: problems.join('; ') } : { ok: true, values: { ...offered } };
}

/** The required slots of a state that `values` does not hold yet. */
export function missingSlots(collects: readonly SlotSpec[], values: SlotValues): string[] {
  return collects.filter((slot) => slot.required && values[slot.name] === undefined).map((slot) => slot.name);
}
