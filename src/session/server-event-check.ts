import { z } from 'zod';
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import { KEYPAD_KEY } from './keypad.ts';

// The SDK hands every backend event to `'*'` listeners as it came off the wire, before (and
// whether or not) its own validation passed. The session reads only the events below; each is
// checked here for the fields it reads, so a malformed one is dropped instead of throwing inside
// the socket's listener. Fields not read are passed through unchecked.

const id = z.string().min(1);
const text = z.string();
const keypadKey = z.string().regex(KEYPAD_KEY, 'is not one keypad key');

const itemSchema = z.looseObject({
  id: id.optional(),
  type: z.string(),
  role: z.string().optional(),
  content: z.array(z.looseObject({ type: z.string().optional(), text: text.nullish(), transcript: text.nullish() })).optional(),
  call_id: z.string().optional(),
  name: z.string().optional(),
  arguments: z.string().optional(),
  output: z.string().nullish(),
  // MCP calls (the backend runs them): which server, and how the call failed.
  server_label: z.string().optional(),
  error: z.looseObject({ message: z.string() }).nullish(),
});

const schemas: Record<string, z.ZodType> = {
  'session.created': z.looseObject({ session: z.looseObject({ expires_at: z.number().optional() }) }),
  'session.updated': z.looseObject({ session: z.looseObject({}) }),
  'response.created': z.looseObject({ response: z.looseObject({ id, conversation_id: z.string().nullish() }) }),
  'response.done': z.looseObject({
    response: z.looseObject({
      id: id.optional(),
      status: z.string().optional(),
      // Why a response failed: only the code is read.
      status_details: z.looseObject({ error: z.looseObject({ code: z.string().nullish(), type: z.string().nullish() }).nullish() }).nullish(),
    }),
  }),
  error: z.looseObject({ error: z.looseObject({ code: z.string().nullish(), type: z.string(), message: text }) }),
  'conversation.item.added': z.looseObject({ item: itemSchema }),
  'conversation.item.done': z.looseObject({ item: itemSchema }),
  'conversation.item.input_audio_transcription.delta': z.looseObject({ item_id: id, delta: text.optional() }),
  'conversation.item.input_audio_transcription.completed': z.looseObject({ item_id: id, transcript: text }),
  'conversation.item.input_audio_transcription.failed': z.looseObject({ item_id: id }),
  'response.output_audio_transcript.delta': z.looseObject({ item_id: id, delta: text }),
  'response.output_audio_transcript.done': z.looseObject({ item_id: id, transcript: text }),
  'response.output_text.delta': z.looseObject({ item_id: id, delta: text }),
  'response.output_text.done': z.looseObject({ item_id: id, text }),
  'conversation.item.truncated': z.looseObject({ item_id: id, audio_end_ms: z.number().nonnegative() }),
  'conversation.item.deleted': z.looseObject({ item_id: id }),
  // The backend's own playback, when it owns the audio (SIP): only the type is read.
  'output_audio_buffer.started': z.looseObject({}),
  'output_audio_buffer.stopped': z.looseObject({}),
  'output_audio_buffer.cleared': z.looseObject({}),
  'response.mcp_call_arguments.done': z.looseObject({ item_id: id, arguments: text }),
  // Only its arrival is read: the user's turn ended (turn latency).
  'input_audio_buffer.speech_stopped': z.looseObject({}),
  // A SIP caller's keypad (§ DTMF): one key per event.
  'input_audio_buffer.dtmf_event_received': z.looseObject({ event: keypadKey }),
};

export type CheckedEvent = { ok: true; event: RealtimeServerEvent } | { ok: false; problem: string } | { ok: false; ignored: true };

/** Checks a raw backend event for the fields the session reads; one it does not read is `ignored`. */
export function checkServerEvent(raw: unknown): CheckedEvent {
  if (typeof raw !== 'object' || raw === null) return { ok: false, problem: 'not a JSON object' };
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string') return { ok: false, problem: "no string 'type'" };
  const schema = schemas[type];
  if (!schema) return { ok: false, ignored: true };
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, event: raw as RealtimeServerEvent };
  const issue = parsed.error.issues[0];
  return { ok: false, problem: `${type}: '${issue.path.join('.')}' ${issue.message}` };
}
