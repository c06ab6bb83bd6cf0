import type { Tool } from '../protocol/session-config.ts';
import { HANDOFF_PREFIX, type Move, type SessionView } from './session-view.ts';
import { isPlaceholder } from './user-input.ts';

// Arguments the default responder fills in for a call, as a model would from the conversation:
// values the prompt says are known, a choice the user's words name, the user's words themselves
// for a value the state collects; else, for what the schema requires, a sample that satisfies it.

type Schema = { type?: unknown; enum?: unknown; const?: unknown; minimum?: unknown; minLength?: unknown; maxLength?: unknown; pattern?: unknown; properties?: unknown; required?: unknown };

/** The user's words, when they are known (typed, or a scripted transcript). */
function wordsOf(view: SessionView): string | undefined {
  const words = view.trigger.kind === 'user' ? view.trigger.words?.trim() : undefined;
  return words && !isPlaceholder(words) ? words : undefined;
}

export function toolArguments(tool: Tool | undefined, view: SessionView): Record<string, unknown> {
  const schema = (tool?.type === 'function' ? tool.parameters : undefined) as Schema | undefined;
  return objectValue(schema, view, false);
}

export function moveArguments(move: Move, view: SessionView): Record<string, unknown> {
  if (move.nextStep === undefined) return move.tool.startsWith(HANDOFF_PREFIX) ? {} : { reason: move.condition };
  const tool = view.tools.get(move.tool);
  const props = (tool?.type === 'function' ? (tool.parameters as Schema | undefined)?.properties : undefined) as Record<string, Schema> | undefined;
  const values = props?.values === undefined ? undefined : objectValue(props.values, view, true);
  return { next_step: move.nextStep, reason: move.condition, ...(values && Object.keys(values).length > 0 ? { values } : {}) };
}

/** `collected`: the properties are values the state collects (every one is filled where it can be). */
function objectValue(schema: Schema | undefined, view: SessionView, collected: boolean): Record<string, unknown> {
  const props = (schema?.properties ?? {}) as Record<string, Schema>;
  const required = new Set(Array.isArray(schema?.required) ? (schema.required as string[]) : []);
  const out: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(props)) {
    const value = view.known[name] ?? named(prop, view) ?? (collected ? typed(prop, view) : undefined) ?? (collected || required.has(name) ? sample(prop) : undefined);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** An enum value the user's words name ("the pool, please" → "pool"). */
function named(schema: Schema, view: SessionView): unknown {
  const words = wordsOf(view)?.toLowerCase();
  if (!words || !Array.isArray(schema.enum)) return undefined;
  return schema.enum.find((option) => typeof option === 'string' && words.includes(option.toLowerCase()));
}

function typed(schema: Schema, view: SessionView): string | undefined {
  const words = wordsOf(view);
  if (!words || schema.type !== 'string' || Array.isArray(schema.enum)) return undefined;
  return fitsString(words, schema) ? words : undefined;
}

function sample(schema: Schema): unknown {
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  switch (schema.type) {
    case 'string':
      return fitsString('Alex', schema) ? 'Alex' : undefined;
    case 'number':
    case 'integer':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return {};
    default:
      return undefined;
  }
}

function fitsString(text: string, schema: Schema): boolean {
  if (typeof schema.minLength === 'number' && text.length < schema.minLength) return false;
  if (typeof schema.maxLength === 'number' && text.length > schema.maxLength) return false;
  if (typeof schema.pattern === 'string') {
    try {
      return new RegExp(schema.pattern, 'u').test(text);
    } catch {
      return false;
    }
  }
  return true;
}
