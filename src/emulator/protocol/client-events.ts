import { z } from 'zod';
import { invalidType, invalidValue, missingType, notAnObject, type ProtocolError } from './errors.ts';
import { describeValue, issuesToError } from './zod-issues.ts';

// Envelope validation of inbound client events: `type` first (with the live service's exact
// errors for a missing or unknown type, §4.8), then the event's own fields. Nested payloads
// (`session`, `item`, `response`) are validated by their own modules, which know their paths.

/** The live server's accepted list, in its order (§4.8), including two translation-session types. */
const SUPPORTED_CLIENT_EVENTS = [
  'session.update',
  'session.close',
  'input_audio_buffer.append',
  'session.input_audio_buffer.append',
  'input_audio_buffer.commit',
  'input_audio_buffer.clear',
  'conversation.item.create',
  'conversation.item.truncate',
  'conversation.item.delete',
  'conversation.item.retrieve',
  'response.create',
  'response.cancel',
] as const;

const eventId = z.string().optional();

const schemas = {
  'session.update': z.strictObject({ type: z.literal('session.update'), event_id: eventId, session: z.unknown() }),
  'session.close': z.strictObject({ type: z.literal('session.close'), event_id: eventId }),
  'input_audio_buffer.append': z.strictObject({ type: z.literal('input_audio_buffer.append'), event_id: eventId, audio: z.string() }),
  'session.input_audio_buffer.append': z.strictObject({ type: z.literal('session.input_audio_buffer.append'), event_id: eventId, audio: z.string() }),
  'input_audio_buffer.commit': z.strictObject({ type: z.literal('input_audio_buffer.commit'), event_id: eventId }),
  'input_audio_buffer.clear': z.strictObject({ type: z.literal('input_audio_buffer.clear'), event_id: eventId }),
  'conversation.item.create': z.strictObject({
    type: z.literal('conversation.item.create'),
    event_id: eventId,
    previous_item_id: z.string().nullable().optional(),
    item: z.unknown(),
  }),
  'conversation.item.truncate': z.strictObject({
    type: z.literal('conversation.item.truncate'),
    event_id: eventId,
    item_id: z.string(),
    content_index: z.number().int().min(0),
    audio_end_ms: z.number().int().min(0),
  }),
  'conversation.item.delete': z.strictObject({ type: z.literal('conversation.item.delete'), event_id: eventId, item_id: z.string() }),
  'conversation.item.retrieve': z.strictObject({ type: z.literal('conversation.item.retrieve'), event_id: eventId, item_id: z.string() }),
  'response.create': z.strictObject({ type: z.literal('response.create'), event_id: eventId, response: z.unknown().optional() }),
  'response.cancel': z.strictObject({ type: z.literal('response.cancel'), event_id: eventId, response_id: z.string().optional() }),
} satisfies Record<(typeof SUPPORTED_CLIENT_EVENTS)[number], z.ZodType>;

type ClientEventType = keyof typeof schemas;
export type ClientEvent = { [K in ClientEventType]: z.infer<(typeof schemas)[K]> }[ClientEventType];

export type ParsedClientEvent = { ok: true; event: ClientEvent } | { ok: false; error: ProtocolError };

/** The client's `event_id`, when it sent a usable one, for echoing inside `error` (§3). */
export function clientEventId(raw: unknown): string | null {
  if (raw === null || typeof raw !== 'object') return null;
  const id = (raw as { event_id?: unknown }).event_id;
  return typeof id === 'string' ? id : null;
}

export function parseClientEvent(raw: unknown): ParsedClientEvent {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, error: notAnObject() };
  const type = (raw as { type?: unknown }).type;
  if (type === undefined) return { ok: false, error: missingType() };
  if (typeof type !== 'string') return { ok: false, error: invalidType('type', 'a string', describeValue(type)) };
  if (!isSupported(type)) return { ok: false, error: invalidValue('type', type, SUPPORTED_CLIENT_EVENTS) };
  const parsed = schemas[type].safeParse(raw, { reportInput: true });
  if (!parsed.success) return { ok: false, error: issuesToError(parsed.error.issues) };
  return { ok: true, event: parsed.data };
}

function isSupported(type: string): type is ClientEventType {
  return Object.hasOwn(schemas, type);
}
