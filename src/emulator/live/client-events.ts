import { z } from 'zod';
import type { ClientEvent, Error as LiveError } from 'openai/resources/live/live';
import { invalidJson, issueError, liveError, unknownEvent } from './errors.ts';

// The client events of the primary GPT-Live WebSocket (LIVE_PROTOCOL.md §3.1), checked where they
// enter. `session` payloads are checked by config.ts; here only the envelopes and small fields.

const eventId = z.string().nullable().optional();
const appendFields = { content: z.string(), delegation_id: z.string().nullable(), event_id: eventId };

/** What a `response.item.create` may carry to the emulated backend: a tool's output, an approval answer, or a message. */
const functionCallOutput = z.strictObject({
  type: z.literal('function_call_output'),
  call_id: z.string().min(1),
  output: z.union([z.string(), z.array(z.record(z.string(), z.unknown()))]),
  id: z.string().nullable().optional(),
  status: z.enum(['in_progress', 'completed', 'incomplete']).nullable().optional(),
});
/** The answer to the backend's `mcp_approval_request`. */
const mcpApprovalResponse = z.strictObject({
  type: z.literal('mcp_approval_response'),
  approval_request_id: z.string().min(1),
  approve: z.boolean(),
  reason: z.string().nullable().optional(),
  id: z.string().nullable().optional(),
});
const messageItem = z.strictObject({
  type: z.literal('message').optional(),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(z.record(z.string(), z.unknown()))]),
});

const envelopes = {
  'session.start': z.strictObject({ type: z.literal('session.start'), session: z.unknown(), event_id: eventId }),
  'session.update': z.strictObject({ type: z.literal('session.update'), session: z.unknown(), event_id: eventId }),
  'session.input_audio.append': z.strictObject({ type: z.literal('session.input_audio.append'), audio: z.string(), event_id: eventId }),
  'session.input_audio.mute': z.strictObject({ type: z.literal('session.input_audio.mute'), event_id: eventId }),
  'session.input_audio.unmute': z.strictObject({ type: z.literal('session.input_audio.unmute'), event_id: eventId }),
  'session.output_audio.fixture.play': z.strictObject({ type: z.literal('session.output_audio.fixture.play'), audio: z.string(), event_id: eventId }),
  'session.instructions.append': z.strictObject({ type: z.literal('session.instructions.append'), ...appendFields }),
  'session.thinking.append': z.strictObject({ type: z.literal('session.thinking.append'), ...appendFields }),
  'session.commentary.append': z.strictObject({ type: z.literal('session.commentary.append'), ...appendFields }),
  'response.item.create': z.strictObject({ type: z.literal('response.item.create'), item: z.union([functionCallOutput, mcpApprovalResponse, messageItem]), event_id: eventId }),
  'response.create': z.strictObject({ type: z.literal('response.create'), event_id: eventId }),
  'session.close': z.strictObject({ type: z.literal('session.close'), event_id: eventId }),
} as const;

type Envelopes = typeof envelopes;
export type LiveClientEvent = { [K in keyof Envelopes]: z.output<Envelopes[K]> }[keyof Envelopes];
export type AppendEvent = Extract<LiveClientEvent, { content: string }>;
export type FunctionCallOutput = z.output<typeof functionCallOutput>;

/** The SDK's client event types this emulator understands; the rest (decisions) are refused by name. */
const NOT_EMULATED = new Set<ClientEvent['type'] | string>(['decision.create', 'decision.item.create', 'decision.item.delete', 'transport.dtmf.send']);

export type ParsedFrame = { ok: true; event: LiveClientEvent } | { ok: false; error: LiveError; eventId: string | undefined };

export function parseClientFrame(text: string): ParsedFrame {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: invalidJson(), eventId: undefined };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json) || typeof (json as { type?: unknown }).type !== 'string') {
    return { ok: false, error: invalidJson(), eventId: undefined };
  }
  const { type, event_id: rawId } = json as { type: string; event_id?: unknown };
  const id = typeof rawId === 'string' ? rawId : undefined;
  if (NOT_EMULATED.has(type)) return { ok: false, error: liveError('unsupported_event', `The emulator does not implement '${type}'.`, 'type'), eventId: id };
  if (!(type in envelopes)) return { ok: false, error: unknownEvent(type), eventId: id };
  const parsed = envelopes[type as keyof Envelopes].safeParse(json, { reportInput: true });
  if (!parsed.success) return { ok: false, error: issueError(parsed.error.issues, []), eventId: id };
  return { ok: true, event: parsed.data };
}
