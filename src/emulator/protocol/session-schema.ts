import { z } from 'zod';
import type { AudioFormat } from '../../audio/format.ts';
import { unknownParameter } from './errors.ts';
import type { CustomIssueParams } from './zod-issues.ts';

// zod schemas of the GA session fields a client may send (REALTIME_PROTOCOL.md §2.1), strict so
// unknown fields are refused like the live service does (`Unknown parameter: 'session.x'.`).
// Exported pieces are shared with response.create, whose overrides use the same shapes.

const VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', 'marin', 'cedar'] as const;

const TRANSCRIPTION_MODELS = [
  'whisper-1',
  'gpt-4o-transcribe',
  'gpt-4o-mini-transcribe',
  'gpt-4o-mini-transcribe-2025-12-15',
  'gpt-4o-transcribe-diarize',
  'gpt-transcribe',
  'gpt-live-transcribe',
  'gpt-realtime-whisper',
] as const;

/** A field that is valid elsewhere but not in this variant: refused as an unknown parameter. */
function notAllowed(ctx: z.RefinementCtx, key: string): void {
  const params: CustomIssueParams = { build: unknownParameter };
  ctx.addIssue({ code: 'custom', path: [key], message: 'unknown parameter', params });
}

export const audioFormatSchema = z
  .strictObject({
    type: z.enum(['audio/pcm', 'audio/pcmu', 'audio/pcma']).optional(),
    // Only 24 kHz exists: a lower rate is `integer_below_min_value` "Expected a value >= 24000" [O].
    rate: z.number().int().min(24_000).max(24_000).optional(),
  })
  .superRefine((format, ctx) => {
    if (format.type !== undefined && format.type !== 'audio/pcm' && format.rate !== undefined) notAllowed(ctx, 'rate');
  })
  // Reported back in full, as the service does: `{type:"audio/pcm",rate:24000}`.
  .transform((format): AudioFormat => (format.type === undefined || format.type === 'audio/pcm' ? { type: 'audio/pcm', rate: 24_000 } : { type: format.type }));

const serverVadSchema = z.strictObject({
  type: z.literal('server_vad'),
  threshold: z.number().min(0).max(1).optional(),
  prefix_padding_ms: z.number().int().min(0).optional(),
  silence_duration_ms: z.number().int().min(0).optional(),
  idle_timeout_ms: z.number().int().min(0).nullable().optional(),
  create_response: z.boolean().optional(),
  interrupt_response: z.boolean().optional(),
});

const semanticVadSchema = z.strictObject({
  type: z.literal('semantic_vad'),
  eagerness: z.enum(['low', 'medium', 'high', 'auto']).optional(),
  create_response: z.boolean().optional(),
  interrupt_response: z.boolean().optional(),
});

const turnDetectionSchema = z.discriminatedUnion('type', [serverVadSchema, semanticVadSchema]);
export type TurnDetectionInput = z.infer<typeof turnDetectionSchema>;

export const transcriptionSchema = z.strictObject({
  model: z.enum(TRANSCRIPTION_MODELS).optional(),
  language: z.string().optional(),
  prompt: z.string().optional(),
  languages: z.array(z.string()).optional(),
  keywords: z.array(z.string()).optional(),
  delay: z.enum(['minimal', 'low', 'medium', 'high', 'xhigh']).optional(),
});

export const noiseReductionSchema = z.strictObject({
  type: z.enum(['near_field', 'far_field']),
  strength: z.number().min(0).max(1).optional(),
});

export const voiceSchema = z.union([z.enum(VOICES), z.strictObject({ id: z.string() })]);

const audioInputSchema = z.strictObject({
  format: audioFormatSchema.optional(),
  transcription: transcriptionSchema.nullable().optional(),
  noise_reduction: noiseReductionSchema.nullable().optional(),
  turn_detection: turnDetectionSchema.nullable().optional(),
});

const audioOutputSchema = z.strictObject({
  format: audioFormatSchema.optional(),
  voice: voiceSchema.optional(),
  speed: z.number().min(0.25).max(1.5).optional(),
});

const functionToolSchema = z.strictObject({
  type: z.literal('function'),
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must match ^[a-zA-Z0-9_-]{1,64}$'),
  description: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
});

// MCP tools (§3.1): the fields the emulator acts on are checked; other options (authorization,
// connector_id, server_description…) pass as the service accepts them.
const mcpToolFilterSchema = z.looseObject({ tool_names: z.array(z.string()).optional(), read_only: z.boolean().optional() });
/** The MCP tool fields the emulator acts on; GPT-Live's delegation config takes the same, strictly (live/config.ts). */
export const mcpToolFields = {
  type: z.literal('mcp'),
  server_label: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must match ^[a-zA-Z0-9_-]{1,64}$'),
  server_url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).optional(),
  headers: z.record(z.string(), z.string()).nullable().optional(),
  allowed_tools: z.union([z.array(z.string()), mcpToolFilterSchema]).nullable().optional(),
  require_approval: z
    .union([z.enum(['always', 'never']), z.looseObject({ always: mcpToolFilterSchema.optional(), never: mcpToolFilterSchema.optional() })])
    .nullable()
    .optional(),
};
const mcpToolSchema = z.looseObject(mcpToolFields);

export const toolsSchema = z.array(z.discriminatedUnion('type', [functionToolSchema, mcpToolSchema]));

export const toolChoiceSchema = z.union([
  z.enum(['auto', 'none', 'required']),
  z.strictObject({ type: z.literal('function'), name: z.string() }),
  z.strictObject({ type: z.literal('mcp'), server_label: z.string(), name: z.string().nullable().optional() }),
]);

export const maxOutputTokensSchema = z.union([z.number().int().min(1).max(4096), z.literal('inf')]);

/** Both at once is not allowed (§2.1): one modality, audio (with transcript) or text. */
export const outputModalitiesSchema = z.array(z.enum(['audio', 'text'])).min(1).max(1);

/** Prompt templates; the emulator takes string variables only (the SDK also allows input objects). */
export const promptSchema = z.strictObject({
  id: z.string(),
  version: z.string().nullable().optional(),
  variables: z.record(z.string(), z.string()).nullable().optional(),
});

const tracingSchema = z.union([
  z.literal('auto'),
  z.strictObject({ workflow_name: z.string().optional(), group_id: z.string().optional(), metadata: z.unknown().optional() }),
]);

const truncationSchema = z.union([
  z.enum(['auto', 'disabled']),
  z.strictObject({
    type: z.literal('retention_ratio'),
    retention_ratio: z.number().min(0).max(1),
    token_limits: z.strictObject({ post_instructions: z.number().int().min(0).optional() }).optional(),
  }),
]);

const includeSchema = z.array(z.enum(['item.input_audio_transcription.logprobs']));

export const reasoningSchema = z.strictObject({ effort: z.enum(['minimal', 'low', 'medium', 'high', 'xhigh']).optional() });

/** `type` is checked first and separately: it decides which of the two shapes applies. */
export const sessionTypeSchema = z.enum(['realtime', 'transcription']);

export const realtimeSessionUpdateSchema = z.strictObject({
  type: z.literal('realtime'),
  model: z.string().optional(),
  instructions: z.string().optional(),
  output_modalities: outputModalitiesSchema.optional(),
  audio: z.strictObject({ input: audioInputSchema.optional(), output: audioOutputSchema.optional() }).optional(),
  tools: toolsSchema.optional(),
  tool_choice: toolChoiceSchema.optional(),
  max_output_tokens: maxOutputTokensSchema.optional(),
  tracing: tracingSchema.nullable().optional(),
  truncation: truncationSchema.optional(),
  prompt: promptSchema.nullable().optional(),
  include: includeSchema.nullable().optional(),
  // Later additions for reasoning models (§2.1); accepted and echoed.
  parallel_tool_calls: z.boolean().optional(),
  reasoning: reasoningSchema.optional(),
});

export const transcriptionSessionUpdateSchema = z.strictObject({
  type: z.literal('transcription'),
  audio: z.strictObject({ input: audioInputSchema.optional() }).optional(),
  include: includeSchema.nullable().optional(),
});

