import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { VgError } from '../../errors.ts';

// Conversation scripts: what the emulated "model" hears and answers, turn by turn. Validated
// once at load, with errors that name the file, the JSON path and what was expected.

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

const conversationScriptSchema = z.strictObject({
  name: z.string().optional(),
  turns: z.array(turnSchema),
});

export type ConversationScript = z.input<typeof conversationScriptSchema>;
export type LoadedScript = z.output<typeof conversationScriptSchema>;
export type ScriptStep = z.output<typeof stepSchema>;

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
  const parsed = conversationScriptSchema.safeParse(json, { reportInput: true });
  if (parsed.success) return parsed.data;
  const detail = parsed.error.issues.slice(0, 5).map(describeIssue).join('; ');
  throw new VgError('VG_ERR_SCRIPT_INVALID', `${origin}: ${detail}`);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const at = `at ${jsonPath(issue.path)}`;
  if (issue.code === 'invalid_union') {
    return `${at}: expected a step, either { "say": "<text>" } or { "call": "<tool name>", "arguments": { … } }`;
  }
  if (issue.code === 'unrecognized_keys') return `${at}: unexpected field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_type' && !('input' in issue && issue.input !== undefined)) {
    return `${at}: missing, expected ${issue.expected === 'array' ? 'an array' : `a ${issue.expected}`}`;
  }
  return `${at}: ${issue.message}`;
}

function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : `${out}.${String(key)}`), '$');
}
