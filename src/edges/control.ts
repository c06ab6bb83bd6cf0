import { z } from 'zod';
import { KEYPAD_KEY } from '../session/keypad.ts';
import type { ClientControl } from './edge.ts';

/** Largest JSON control message a client may send; text input is the only long field. */
export const MAX_CONTROL_BYTES = 16 * 1024;

const controlSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ptt.start') }),
  z.object({ type: z.literal('ptt.stop') }),
  z.object({ type: z.literal('input_text'), text: z.string().trim().min(1).max(4000) }),
  z.object({ type: z.literal('mode'), mode: z.enum(['vad', 'ptt']) }),
  z.object({
    type: z.literal('playback'),
    played_ms: z.number().finite().nonnegative(),
    epoch: z.number().int().nonnegative().optional(),
  }),
  z.object({ type: z.literal('tool.approval'), request_id: z.string().min(1).max(128), approve: z.boolean() }),
  z.object({ type: z.literal('hangup') }),
  // A kiosk's keypad: gathered into entries as a phone's keys are.
  z.object({ type: z.literal('dtmf'), digit: z.string().regex(KEYPAD_KEY, 'is not one keypad key (0-9, A-D, * or #)') }),
]);

export type ParsedControl = { ok: true; message: ClientControl } | { ok: false; error: string };

/** Validates one JSON control message from a client; the error says what was wrong with it. */
export function parseControl(text: string): ParsedControl {
  if (text.length > MAX_CONTROL_BYTES) {
    return { ok: false, error: `control message of ${text.length} bytes exceeds ${MAX_CONTROL_BYTES}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `not valid JSON (${(err as Error).message})` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, error: `expected a JSON object with a 'type', got ${Array.isArray(json) ? 'an array' : typeof json}` };
  }
  const parsed = controlSchema.safeParse(json);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue.path.length > 0 ? `'${issue.path.join('.')}'` : 'message';
  if (issue.code === 'invalid_union' && issue.path[0] === 'type') {
    const type = (json as { type?: unknown }).type;
    const what = type === undefined ? "missing 'type'" : `unknown type ${JSON.stringify(type)}`;
    return { ok: false, error: `${what}; expected one of ${controlTypes().join(', ')}` };
  }
  return { ok: false, error: `${where}: ${issue.message}` };
}

function controlTypes(): string[] {
  return controlSchema.options.map((o) => o.shape.type.value);
}
