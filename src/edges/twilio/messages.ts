import { z } from 'zod';
import { isBase64 } from '../../audio/base64.ts';
import { KEYPAD_KEY } from '../../session/keypad.ts';

// The Media Streams messages Twilio sends (REALTIME_PROTOCOL.md §7.2), checked where they enter.
// `media` arrives 50 times a second per call and is checked by hand (a zod parse per frame would
// cost more than everything else the relay does with it); the rest are rare and go through zod.

/** Twilio SIDs are two letters and 32 hex digits; nothing that would need escaping in JSON we build. */
const sid = z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'a Twilio SID');

const startSchema = z.object({
  event: z.literal('start'),
  streamSid: sid,
  start: z.object({
    streamSid: sid,
    callSid: sid,
    accountSid: sid,
    customParameters: z.record(z.string(), z.string()).default({}),
    mediaFormat: z.object({
      encoding: z.literal('audio/x-mulaw', { error: 'the gateway passes G.711 u-law through; expected audio/x-mulaw' }),
      sampleRate: z.literal(8000),
      channels: z.literal(1),
    }),
  }),
});

const controlSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('connected') }),
  startSchema,
  z.object({ event: z.literal('mark'), streamSid: sid, mark: z.object({ name: z.string().max(256) }) }),
  z.object({ event: z.literal('dtmf'), streamSid: sid, dtmf: z.object({ digit: z.string().regex(KEYPAD_KEY, 'one keypad digit') }) }),
  z.object({ event: z.literal('stop'), streamSid: sid }),
]);

export type StartMessage = z.infer<typeof startSchema>;
export type TwilioMessage =
  | z.infer<typeof controlSchema>
  /** `timestamp`: media time in ms since the stream started (a jump means frames were lost). */
  | { event: 'media'; streamSid: string; payload: string; timestamp?: number };

export type ParsedTwilioMessage = { ok: true; message: TwilioMessage } | { ok: false; error: string };

interface UncheckedMedia {
  event?: unknown;
  streamSid?: unknown;
  media?: { track?: unknown; payload?: unknown; timestamp?: unknown } | null;
}

export function parseTwilioMessage(text: string): ParsedTwilioMessage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `not valid JSON (${(err as Error).message})` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, error: 'expected a JSON object' };
  const candidate = json as UncheckedMedia;
  if (candidate.event === 'media') return media(candidate);
  const parsed = controlSchema.safeParse(json);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issue = parsed.error.issues[0];
  if (issue.code === 'invalid_union' && issue.path[0] === 'event') {
    return { ok: false, error: `unknown event ${JSON.stringify(candidate.event)}` };
  }
  return { ok: false, error: `${String(candidate.event)}: '${issue.path.join('.')}' ${issue.message}` };
}

function media(m: UncheckedMedia): ParsedTwilioMessage {
  if (typeof m.streamSid !== 'string') return { ok: false, error: "media: missing 'streamSid'" };
  const payload = m.media?.payload;
  if (typeof payload !== 'string' || !isBase64(payload)) return { ok: false, error: "media: 'media.payload' is not base64" };
  // Bidirectional streams carry only the caller's track; anything else is not for the agent.
  if (m.media?.track !== undefined && m.media.track !== 'inbound') return { ok: false, error: `media: track ${JSON.stringify(m.media.track)} is not inbound` };
  const timestamp = m.media?.timestamp;
  if (timestamp !== undefined && (typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp))) return { ok: false, error: "media: 'media.timestamp' is not a count of milliseconds" };
  return { ok: true, message: { event: 'media', streamSid: m.streamSid, payload, ...(timestamp === undefined ? {} : { timestamp: Number(timestamp) }) } };
}
