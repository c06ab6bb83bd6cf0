import { z } from 'zod';
import type {
  AudioFormat,
  DecisionQuestion,
  DecisionTrigger,
  Error as LiveError,
  FunctionTool,
  InitialItem,
  ResponsesDelegationConfig,
  SessionConfig,
  SessionResource,
  SessionUpdateConfig,
} from 'openai/resources/live/live';
import { mcpToolFields } from '../protocol/session-schema.ts';
import { issueError, liveError, tooLong } from './errors.ts';
import { LIVE_LIMITS, type LiveChoices } from './options.ts';

// The GPT-Live session configuration (LIVE_PROTOCOL.md §2): strict, unknown fields rejected with
// `unknown_parameter`. The schemas are typed against the SDK's own types, so they cannot drift
// from what the `openai` package sends. Of the hosted backend tools, which run on OpenAI's side,
// the emulator plays remote MCP servers (`mcp` with a `server_url`: it lists and calls them
// itself); the others (web search and the like) it has not, and refuses them rather than pretend.

const audioFormat: z.ZodType<AudioFormat> = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('audio/pcm'), rate: z.union([z.literal(16000), z.literal(24000)]) }),
  z.strictObject({ type: z.literal('audio/pcmu'), rate: z.literal(8000) }),
  z.strictObject({ type: z.literal('audio/pcma'), rate: z.literal(8000) }),
]);

const functionToolObject = z.strictObject({
  type: z.literal('function'),
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'a function name (letters, digits, _ or -, at most 64)'),
  description: z.string().nullable().optional(),
  parameters: z.record(z.string(), z.unknown()).nullable().optional(),
  strict: z.boolean().nullable().optional(),
});

/** A remote MCP server of the backend (the Responses API's `mcp` tool); connectors are not emulated. */
const mcpTool = z.strictObject({
  ...mcpToolFields,
  server_url: mcpToolFields.server_url.unwrap(),
  server_description: z.string().optional(),
});
export type LiveMcpTool = z.output<typeof mcpTool>;

/** The MCP servers of a (checked) backend configuration, with their fields. */
export function backendMcpTools(tools: readonly { type: string }[] | null | undefined): LiveMcpTool[] {
  return (tools ?? []).flatMap((tool) => {
    const parsed = tool.type === 'mcp' ? mcpTool.safeParse(tool) : undefined;
    return parsed?.success ? [parsed.data] : [];
  });
}

/** Typed against the SDK's own tool types, so the schemas cannot drift from what it sends. */
const backendTool: z.ZodType<FunctionTool | ResponsesDelegationConfig.Mcp> = z.discriminatedUnion('type', [functionToolObject, mcpTool]);

const toolChoice = z.union([
  z.enum(['auto', 'none', 'required']),
  z.strictObject({ type: z.literal('function'), name: z.string().min(1) }),
]);

const responsesFields = {
  instructions: z.string().nullable().optional(),
  max_output_tokens: z.number().int().min(LIVE_LIMITS.minMaxOutputTokens).nullable().optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  reasoning: z.strictObject({
    effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']).nullable().optional(),
    summary: z.enum(['concise', 'detailed', 'auto']).nullable().optional(),
  }).nullable().optional(),
  service_tier: z.enum(['auto', 'default', 'fast_tier_temp_pilot', 'flex', 'priority', 'ultrafast']).nullable().optional(),
  text: z.strictObject({ verbosity: z.enum(['low', 'medium', 'high']).nullable().optional() }).nullable().optional(),
  tool_choice: toolChoice.optional(),
  tools: z.array(backendTool).optional(),
};

const responsesConfig: z.ZodType<ResponsesDelegationConfig> = z.strictObject({ model: z.string().min(1), ...responsesFields });
const responsesUpdate = z.strictObject({ model: z.string().min(1).optional(), ...responsesFields });

const acknowledgementDelay = z.number().int().min(0).optional();

/** Decisions are not emulated beyond their shape: questions are objects, passed through as given. */
const question = z.custom<DecisionQuestion>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), 'a decision question object');
const decisionsConfig = z.strictObject({ model: z.string().min(1), questions: z.array(question).min(1) });

const trigger = z.strictObject({
  type: z.literal('decisions'),
  event_type: z.enum(['session.input_transcript.delta', 'session.output_transcript.delta']),
  decisions: z.strictObject({ questions: z.array(question).min(1) }),
});

const textPart = z.strictObject({ text: z.string(), type: z.literal('input_text').optional() });
const initialItem = z.discriminatedUnion('role', [
  z.strictObject({ role: z.literal('developer'), content: z.tuple([textPart]), id: z.string().nullable().optional(), status: z.enum(['incomplete', 'completed']).nullable().optional(), type: z.literal('message').optional() }),
  z.strictObject({ role: z.literal('user'), content: z.tuple([textPart]), id: z.string().nullable().optional(), status: z.enum(['incomplete', 'completed']).nullable().optional(), type: z.literal('message').optional() }),
  z.strictObject({
    role: z.literal('assistant'),
    content: z.tuple([z.union([z.strictObject({ text: z.string(), type: z.literal('text').optional() }), z.strictObject({ text: z.string(), type: z.literal('output_text') })])]),
    id: z.string().nullable().optional(),
    status: z.enum(['incomplete', 'completed']).nullable().optional(),
    type: z.literal('message').optional(),
  }),
]);

const sessionConfig = z.strictObject({
  model: z.string().min(1),
  instructions: z.string().nullable().optional(),
  audio: z.strictObject({
    format: audioFormat.optional(),
    output: z.strictObject({ voice: z.union([z.string().min(1), z.strictObject({ id: z.string().min(1) })]).optional() }).optional(),
  }).optional(),
  delegation: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('client'), acknowledgement_delay_ms: acknowledgementDelay }),
    z.strictObject({ type: z.literal('responses'), responses: responsesConfig, acknowledgement_delay_ms: acknowledgementDelay }),
    z.strictObject({ type: z.literal('decisions'), decisions: decisionsConfig, acknowledgement_delay_ms: acknowledgementDelay }),
  ]).nullable().optional(),
  input: z.array(initialItem).max(LIVE_LIMITS.inputMessages).optional(),
  triggers: z.array(trigger).optional(),
  client: z.strictObject({
    data_channel: z.strictObject({
      allowed_client_events: z.union([z.literal('all'), z.array(z.string())]).optional(),
      allowed_server_events: z.union([z.literal('all'), z.array(z.strictObject({ type: z.string().min(1), response_event: z.string().optional() }))]).optional(),
    }),
  }).optional(),
  store: z.boolean().optional(),
});

const updateConfig = z.strictObject({
  delegation: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('client'), acknowledgement_delay_ms: acknowledgementDelay }),
    z.strictObject({ type: z.literal('responses'), responses: responsesUpdate.optional(), acknowledgement_delay_ms: acknowledgementDelay }),
    z.strictObject({ type: z.literal('decisions'), decisions: z.record(z.string(), z.unknown()).optional(), acknowledgement_delay_ms: acknowledgementDelay }),
  ]).nullable().optional(),
  triggers: z.array(trigger).optional(),
});

export type Checked<T> = { ok: true; value: T } | { ok: false; error: LiveError };

/** Estimated tokens of a text: the emulator's stand-in for the service's tokenizer (an option). */
export function tokensOf(text: string, choices: Pick<LiveChoices, 'charsPerToken'>): number {
  return Math.ceil(text.length / choices.charsPerToken);
}

/** `session.start`'s `session`: the config a session starts from, or the error that refuses it. */
export function checkStartConfig(raw: unknown, choices: LiveChoices): Checked<SessionConfig> {
  const parsed = sessionConfig.safeParse(raw, { reportInput: true });
  if (!parsed.success) return { ok: false, error: issueError(parsed.error.issues, ['session']) };
  return checkLimits(parsed.data, choices);
}

/** What a SIP call's accept may carry (§1.4, SDK `SessionAcceptParams.Session`): the startup config with `type:"live"`, no `audio.format`. */
const acceptConfig = sessionConfig.omit({ client: true }).extend({
  type: z.literal('live'),
  safety_identifier: z.string().nullable().optional(),
});

/** The `session` of `POST /v1/live/sessions/{id}/accept`: the config the call's session starts from, or the error that refuses it. */
export function checkAcceptConfig(raw: unknown, choices: LiveChoices): Checked<SessionConfig> {
  const parsed = acceptConfig.safeParse(raw, { reportInput: true });
  if (!parsed.success) return { ok: false, error: issueError(parsed.error.issues, ['session']) };
  const { type: _type, safety_identifier: _safety, ...config } = parsed.data;
  // SIP negotiates the codec: a format is a primary-WebSocket setting (§2.1, §6.1).
  if (config.audio?.format !== undefined) {
    return { ok: false, error: liveError('unsupported_parameter', "'session.audio.format' is not accepted for SIP calls: the media format is negotiated.", 'session.audio.format') };
  }
  return checkLimits(config, choices);
}

/** Two MCP tools of one label would be one server twice: refused, naming the second. */
function duplicateServer(tools: readonly { type: string; server_label?: unknown }[] | null | undefined, param: string): LiveError | undefined {
  const labels = new Set<unknown>();
  for (const [index, tool] of (tools ?? []).entries()) {
    if (tool.type !== 'mcp') continue;
    if (labels.has(tool.server_label)) return liveError('invalid_value', `Two MCP tools have the server_label '${String(tool.server_label)}'.`, `${param}[${index}].server_label`);
    labels.add(tool.server_label);
  }
  return undefined;
}

function checkLimits(config: SessionConfig, choices: LiveChoices): Checked<SessionConfig> {
  const instructions = config.instructions ?? '';
  const tokens = tokensOf(instructions, choices);
  if (tokens > LIVE_LIMITS.instructionsTokens) return { ok: false, error: tooLong('session.instructions', tokens, LIVE_LIMITS.instructionsTokens) };
  const inputTokens = (config.input ?? []).reduce((sum, item: InitialItem) => sum + tokensOf(item.content[0]?.text ?? '', choices), 0);
  if (inputTokens > LIVE_LIMITS.inputTokens) return { ok: false, error: tooLong('session.input', inputTokens, LIVE_LIMITS.inputTokens) };
  const delegation = config.delegation;
  const duplicate = delegation?.type === 'responses' ? duplicateServer(delegation.responses.tools, 'session.delegation.responses.tools') : undefined;
  if (duplicate) return { ok: false, error: duplicate };
  const seen = new Set<string>();
  for (const [index, t] of (config.triggers ?? []).entries()) {
    if (seen.has(t.event_type)) return { ok: false, error: liveError('invalid_value', 'At most one trigger per event type.', `session.triggers[${index}].event_type`) };
    seen.add(t.event_type);
  }
  return { ok: true, value: config };
}

/** `session.update`'s `session`, sparse: checked, not yet applied. */
export function checkUpdateConfig(raw: unknown): Checked<SessionUpdateConfig> {
  const parsed = updateConfig.safeParse(raw, { reportInput: true });
  if (!parsed.success) return { ok: false, error: issueError(parsed.error.issues, ['session']) };
  const delegation = parsed.data.delegation;
  const duplicate = delegation?.type === 'responses' ? duplicateServer(delegation.responses?.tools, 'session.delegation.responses.tools') : undefined;
  if (duplicate) return { ok: false, error: duplicate };
  return { ok: true, value: parsed.data };
}

/**
 * Applies a checked sparse update: omitted keys keep their values, and the delegation type
 * must stay what it is (§2.3). Returns the new resource, or an error naming what was refused.
 */
export function applyUpdate(session: SessionResource, update: SessionUpdateConfig): Checked<SessionResource> {
  let next: SessionResource = { ...session };
  if (update.triggers !== undefined) next = { ...next, triggers: update.triggers };
  const wanted = update.delegation;
  if (wanted === undefined) return { ok: true, value: next };
  const current = session.delegation ?? { type: 'client' as const };
  const type = wanted?.type ?? 'client';
  if (type !== current.type) {
    return { ok: false, error: liveError('invalid_value', `The delegation type cannot change after start (it is '${current.type}', not '${type}').`, 'session.delegation.type') };
  }
  const delay = wanted?.acknowledgement_delay_ms ?? current.acknowledgement_delay_ms;
  const withDelay = delay === undefined ? {} : { acknowledgement_delay_ms: delay };
  if (current.type === 'responses' && wanted?.type === 'responses') {
    next.delegation = { type: 'responses', responses: { ...current.responses, ...wanted.responses, model: wanted.responses?.model ?? current.responses.model }, ...withDelay };
  } else if (current.type === 'decisions' && wanted?.type === 'decisions') {
    next.delegation = { ...current, ...withDelay };
  } else {
    next.delegation = { type: 'client', ...withDelay };
  }
  return { ok: true, value: next };
}

export type { DecisionTrigger };
