import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { VgError } from '../../errors.ts';

// Conversation scripts: what the emulated "model" hears and answers. Two forms, validated once at
// load with errors that name the file, the JSON path and what was expected:
// - a context script (`responses`, `caller`): rules keyed by the conversation as it stands (the
//   current state, the tools on offer, what the response answers, the user's words); each
//   response takes the first rule that matches, so deviations still follow the flow;
// - a sequence script (`turns`): a fixed order of turns, for protocol tests of a plain Realtime
//   client with no states, where the exact sequence is the point.

const sayStep = z.strictObject({ say: z.string().min(1) });
const callStep = z.strictObject({
  call: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'a tool name (letters, digits, _ or -, at most 64)'),
  arguments: z.record(z.string(), z.unknown()).default({}),
});

const stepSchema = z.union([sayStep, callStep]);

const turnSchema = z.strictObject({
  user: z.string().min(1).optional(),
  responses: z.array(z.array(stepSchema).min(1)),
});

const sequenceScriptSchema = z.strictObject({
  name: z.string().optional(),
  turns: z.array(turnSchema),
});

const oneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (typeof v === 'string' ? [v] : v));
const pattern = z.string().min(1).refine((source) => {
  try {
    new RegExp(source, 'i');
    return true;
  } catch {
    return false;
  }
}, 'a regular expression');

/** The context a rule applies in; every given key must hold. */
const contextKeys = {
  /** The current state (the prompt's "## Current state:"), or any of several. */
  state: oneOrMany.optional(),
  /** Tools that must all be on offer. */
  offers: oneOrMany.optional(),
  /** What the response answers: "start" (nothing new), "user", "tool" (any tool's result) or a tool's name. */
  on: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, '"start", "user", "tool" or a tool name').optional(),
  /** A regular expression (case-insensitive) the user's latest words must match. */
  user: pattern.optional(),
};

const ruleSchema = z.strictObject({ ...contextKeys, respond: z.array(stepSchema).min(1) });
const callerSchema = z.strictObject({ state: contextKeys.state, offers: contextKeys.offers, says: oneOrMany });

const contextScriptSchema = z.strictObject({
  name: z.string().optional(),
  /** What the caller says in a context: the transcript of user audio there, and a simulated SIP caller's lines (in turn). */
  caller: z.array(callerSchema).default([]),
  responses: z.array(ruleSchema),
});

export type SequenceScript = z.input<typeof sequenceScriptSchema>;
export type ContextScript = z.input<typeof contextScriptSchema>;
export type ConversationScript = SequenceScript | ContextScript;
export type LoadedSequenceScript = z.output<typeof sequenceScriptSchema>;
export type LoadedContextScript = z.output<typeof contextScriptSchema>;
export type LoadedScript = LoadedSequenceScript | LoadedContextScript;
export type ScriptRule = z.output<typeof ruleSchema>;
export type CallerLine = z.output<typeof callerSchema>;
export type ScriptStep = z.output<typeof stepSchema>;

export function isSequence(script: LoadedScript): script is LoadedSequenceScript {
  return 'turns' in script;
}

/** Loads and validates a script given inline or as the path of a `.json` file. */
export async function loadScript(source: ConversationScript | string): Promise<LoadedScript> {
  if (typeof source !== 'string') return validateScript(source, 'inline script');
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (err) {
    throw new VgError('VG_ERR_SCRIPT_INVALID', `${source}: cannot read the file (${(err as Error).message})`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new VgError('VG_ERR_SCRIPT_INVALID', `${source}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  return validateScript(json, source);
}

export function validateScript(json: unknown, origin: string): LoadedScript {
  const sequence = typeof json === 'object' && json !== null && 'turns' in json;
  const parsed = sequence ? sequenceScriptSchema.safeParse(json, { reportInput: true }) : contextScriptSchema.safeParse(json, { reportInput: true });
  if (parsed.success) return parsed.data;
  const detail = parsed.error.issues.slice(0, 5).map(describeIssue).join('; ');
  throw new VgError('VG_ERR_SCRIPT_INVALID', `${origin}: ${detail}`);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const at = `at ${jsonPath(issue.path)}`;
  if (issue.code === 'invalid_union') {
    const last = issue.path.at(-1);
    if (last === 'state' || last === 'offers' || last === 'says') return `${at}: expected a string or a non-empty array of strings`;
    return `${at}: expected a step, either { "say": "<text>" } or { "call": "<tool name>", "arguments": { … } }`;
  }
  if (issue.code === 'unrecognized_keys') return `${at}: unexpected field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_type' && !('input' in issue && issue.input !== undefined)) {
    return `${at}: missing, expected ${issue.expected === 'array' ? 'an array' : `a ${issue.expected}`}`;
  }
  return `${at}: ${issue.message}`;
}

export function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : `${out}.${String(key)}`), '$');
}
