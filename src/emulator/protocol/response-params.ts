import { z } from 'zod';
import { protocolError } from './errors.ts';
import { responseInputItemSchema } from './items.ts';
import {
  audioFormatSchema,
  maxOutputTokensSchema,
  outputModalitiesSchema,
  promptSchema,
  reasoningSchema,
  toolChoiceSchema,
  toolsSchema,
  voiceSchema,
} from './session-schema.ts';
import type { CustomIssueParams } from './zod-issues.ts';

// The optional `response` of `response.create` (§3.9): per-response overrides of the session.

const MAX_METADATA_PAIRS = 16;

const metadataSchema = z.record(z.string().max(64), z.string().max(512)).superRefine((metadata, ctx) => {
  const count = Object.keys(metadata).length;
  if (count <= MAX_METADATA_PAIRS) return;
  const params: CustomIssueParams = {
    build: (param) =>
      protocolError(
        'object_above_max_properties',
        `Invalid '${param}': too many properties. Expected an object with at most ${MAX_METADATA_PAIRS} properties, but got an object with ${count} properties instead.`,
        param,
      ),
  };
  ctx.addIssue({ code: 'custom', message: 'too many metadata pairs', params });
});

export const responseParamsSchema = z.strictObject({
  audio: z.strictObject({ output: z.strictObject({ format: audioFormatSchema.optional(), voice: voiceSchema.optional() }).optional() }).optional(),
  conversation: z.enum(['auto', 'none']).optional(),
  input: z.array(responseInputItemSchema).optional(),
  instructions: z.string().optional(),
  max_output_tokens: maxOutputTokensSchema.optional(),
  metadata: metadataSchema.nullable().optional(),
  output_modalities: outputModalitiesSchema.optional(),
  parallel_tool_calls: z.boolean().optional(),
  prompt: promptSchema.nullable().optional(),
  reasoning: reasoningSchema.optional(),
  tool_choice: toolChoiceSchema.optional(),
  tools: toolsSchema.optional(),
});

export type ResponseParams = z.infer<typeof responseParamsSchema>;
