import { z } from 'zod';
import type { RealtimeMcpListTools, RealtimeMcpToolCall } from 'openai/resources/realtime/realtime';
import { invalidValue, protocolError } from './errors.ts';
import type { WireItem } from './server-events.ts';
import type { CustomIssueParams } from './zod-issues.ts';

// Conversation items (§3.5, §5.1): the shapes a client may create, and the emulator's stored form,
// with audio as bytes rather than base64 so only `conversation.item.retrieved` pays for encoding.

const statusSchema = z.enum(['completed', 'incomplete', 'in_progress']);
const itemBase = { id: z.string().min(1).optional(), object: z.literal('realtime.item').optional(), status: statusSchema.optional() };

const contentPartSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('input_text'), text: z.string() }),
  z.strictObject({ type: z.literal('input_audio'), audio: z.string().optional(), transcript: z.string().nullable().optional() }),
  z.strictObject({ type: z.literal('input_image'), image_url: z.string(), detail: z.enum(['auto', 'low', 'high']).optional() }),
  z.strictObject({ type: z.literal('output_text'), text: z.string() }),
  z.strictObject({ type: z.literal('output_audio'), audio: z.string().optional(), transcript: z.string().optional() }),
]);

const CONTENT_BY_ROLE = {
  system: ['input_text'],
  user: ['input_text', 'input_audio', 'input_image'],
  // Assistant audio cannot be created by a client (§3.5).
  assistant: ['output_text'],
} as const;

const messageSchema = z
  .strictObject({ ...itemBase, type: z.literal('message'), role: z.enum(['system', 'user', 'assistant']), content: z.array(contentPartSchema) })
  .superRefine((item, ctx) => {
    const allowed: readonly string[] = CONTENT_BY_ROLE[item.role];
    item.content.forEach((part, index) => {
      if (allowed.includes(part.type)) return;
      const params: CustomIssueParams = { build: (param) => invalidValue(param, part.type, allowed) };
      ctx.addIssue({ code: 'custom', path: ['content', index, 'type'], message: 'content type not allowed for role', params });
    });
  });

const functionCallSchema = z.strictObject({
  ...itemBase,
  type: z.literal('function_call'),
  name: z.string(),
  call_id: z.string().optional(),
  arguments: z.string(),
});

const functionCallOutputSchema = z.strictObject({
  ...itemBase,
  type: z.literal('function_call_output'),
  call_id: z.string(),
  output: z.string(),
});

const mcpApprovalResponseSchema = z.strictObject({
  ...itemBase,
  type: z.literal('mcp_approval_response'),
  approval_request_id: z.string(),
  approve: z.boolean(),
  reason: z.string().nullable().optional(),
});

export const itemCreateSchema = z.discriminatedUnion('type', [messageSchema, functionCallSchema, functionCallOutputSchema, mcpApprovalResponseSchema]);
export type ItemInput = z.infer<typeof itemCreateSchema>;

/** `response.create` `input` also takes references to items of the conversation. */
export const responseInputItemSchema = z.discriminatedUnion('type', [
  messageSchema,
  functionCallSchema,
  functionCallOutputSchema,
  mcpApprovalResponseSchema,
  z.strictObject({ type: z.literal('item_reference'), id: z.string() }),
]);

// --- stored form ---

export type ContentPart =
  | { type: 'input_text'; text: string }
  | { type: 'input_audio'; audio: Buffer | null; transcript: string | null }
  | { type: 'input_image'; image_url: string; detail?: 'auto' | 'low' | 'high' }
  | { type: 'output_text'; text: string }
  | { type: 'output_audio'; audio: Buffer | null; transcript: string };

type ItemStatus = z.infer<typeof statusSchema>;

export type Item =
  | { id: string; type: 'message'; status: ItemStatus; role: 'system' | 'user' | 'assistant'; content: ContentPart[] }
  | { id: string; type: 'function_call'; status: ItemStatus; name: string; call_id: string; arguments: string }
  | { id: string; type: 'function_call_output'; call_id: string; output: string }
  | { id: string; type: 'mcp_approval_response'; approval_request_id: string; approve: boolean; reason: string | null }
  | McpItem;

/** The MCP items only the service makes (§5.1): a server's tool list, a call, a request for approval. */
export type McpItem =
  | { id: string; type: 'mcp_list_tools'; server_label: string; tools: McpListedTool[] }
  | {
      id: string;
      type: 'mcp_call';
      server_label: string;
      name: string;
      arguments: string;
      output: string | null;
      error: McpCallError | null;
      approval_request_id: string | null;
    }
  | { id: string; type: 'mcp_approval_request'; server_label: string; name: string; arguments: string };

export type McpListedTool = RealtimeMcpListTools.Tool;
export type McpCallError = NonNullable<RealtimeMcpToolCall['error']>;

export type MessageItem = Extract<Item, { type: 'message' }>;

/** Wire form: audio as base64 for `conversation.item.retrieved`, left out everywhere else (§5.1). */
export function itemToWire(item: Item, withAudio = false): WireItem {
  if (item.type !== 'message') return { ...item };
  // One message type with a role union stands for the SDK's three role-specific message types;
  // the create schema and the emulator only ever pair a role with that role's content types.
  return { ...item, content: item.content.map((part) => partToWire(part, withAudio)) } as WireItem;
}

function partToWire(part: ContentPart, withAudio: boolean): WirePart {
  if (part.type !== 'input_audio' && part.type !== 'output_audio') return { ...part };
  const { audio, ...rest } = part;
  return withAudio && audio ? { type: part.type, audio: audio.toString('base64'), transcript: rest.transcript } : rest;
}

type WirePart = Exclude<ContentPart, { audio: unknown }> | { type: 'input_audio' | 'output_audio'; audio?: string; transcript: string | null };

/** [E] wording: the live error for a duplicate client-supplied id is not recorded. */
export const duplicateItemId = (id: string) =>
  protocolError('invalid_value', `Invalid 'item.id': an item with id '${id}' already exists in the conversation.`, 'item.id');
