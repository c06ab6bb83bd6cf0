import { bytesPerMs } from '../../audio/format.ts';
import type { SessionContext } from '../context.ts';
import { newCallId, newItemId } from '../ids.ts';
import {
  itemNotFound,
  missingParameter,
  protocolError,
  truncateInvalidItemId,
  truncateTooLong,
  type ProtocolError,
} from '../protocol/errors.ts';
import { duplicateItemId, itemCreateSchema, itemToWire, type ContentPart, type Item, type ItemInput } from '../protocol/items.ts';
import { issuesToError } from '../protocol/zod-issues.ts';
import { sessionInput } from '../responder/session-view.ts';
import { decodeAudioPayload } from './audio-payload.ts';
import { approvalAnswered } from '../mcp/approval-answer.ts';

// conversation.item.create / retrieve / truncate / delete (§3.5–3.8).

export type StoredItemResult = { ok: true; item: Item } | { ok: false; error: ProtocolError };

export function createItem(ctx: SessionContext, raw: unknown, previousItemId: string | null | undefined, eventId: string | null): void {
  if (raw === undefined) {
    ctx.fail(missingParameter('item'), eventId);
    return;
  }
  const parsed = itemCreateSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    ctx.fail(issuesToError(parsed.error.issues, ['item']), eventId);
    return;
  }
  // `root` inserts at the beginning, an existing id after that item, nothing at the end (§3.5).
  let after: string | null | undefined = previousItemId ?? undefined;
  if (previousItemId === 'root') after = null;
  else if (previousItemId && !ctx.conversation.find(previousItemId)) {
    ctx.fail(protocolError('invalid_value', `Invalid 'previous_item_id': no item with id '${previousItemId}' in the conversation.`, 'previous_item_id'), eventId);
    return;
  }
  const stored = toStoredItem(ctx, parsed.data, 'item');
  if (!stored.ok) {
    ctx.fail(stored.error, eventId);
    return;
  }
  const { item } = stored;
  if (ctx.conversation.find(item.id)) {
    ctx.fail(duplicateItemId(item.id), eventId);
    return;
  }
  if (item.type === 'mcp_approval_response' && !ctx.mcp.hasApprovalRequest(item.approval_request_id)) {
    ctx.fail(protocolError('invalid_value', `No pending MCP approval request with id ${item.approval_request_id}.`, 'item.approval_request_id'), eventId);
    return;
  }
  if (item.type === 'function_call_output' && !ctx.conversation.hasFunctionCall(item.call_id)) {
    // [E] wording, as the Responses API words it.
    ctx.fail(protocolError('invalid_value', `No tool call found for function call output with call_id ${item.call_id}.`, 'item.call_id'), eventId);
    return;
  }
  const previous = ctx.conversation.insert(item, after);
  ctx.send({ type: 'conversation.item.added', previous_item_id: previous, item: itemToWire(item) });
  ctx.send({ type: 'conversation.item.done', previous_item_id: previous, item: itemToWire(item) });
  if (item.type === 'message' && item.role === 'user') noteUserInput(ctx, item);
  else if (item.type === 'message' && item.role === 'assistant') ctx.responder.replayed({ kind: 'say' });
  else if (item.type === 'function_call') ctx.responder.replayed({ kind: 'call', name: item.name });
  else if (item.type === 'mcp_approval_response') approvalAnswered(ctx, item);
}

/** A user message is user input: the next scripted user turn answers to it. */
function noteUserInput(ctx: SessionContext, item: Extract<Item, { type: 'message' }>): void {
  const text = item.content.flatMap((part) => (part.type === 'input_text' ? [part.text] : [])).join(' ');
  if (text) {
    ctx.responder.userInput({ kind: 'text', text });
    return;
  }
  const audioBytes = item.content.reduce((n, part) => n + (part.type === 'input_audio' ? (part.audio?.byteLength ?? 0) : 0), 0);
  // The conversation as it was before this item, as for audio committed from the buffer.
  const before = { ...sessionInput(ctx), items: ctx.conversation.items.filter((other) => other !== item) };
  ctx.responder.userInput({ kind: 'audio', durationMs: audioBytes / bytesPerMs(ctx.buffer.format) }, before);
}

/** The stored form of a client-given item; `param` prefixes error paths (`item`, `response.input[0]`). */
export function toStoredItem(ctx: SessionContext, input: ItemInput, param: string): StoredItemResult {
  const id = input.id ?? newItemId();
  switch (input.type) {
    case 'message': {
      const content: ContentPart[] = [];
      for (const [index, part] of input.content.entries()) {
        if (part.type !== 'input_audio') {
          if (part.type === 'output_audio') continue; // refused by the schema; narrows the type
          content.push(part);
          continue;
        }
        let audio: Buffer | null = null;
        if (part.audio !== undefined) {
          const decoded = decodeAudioPayload(part.audio, ctx.buffer.format, `${param}.content[${index}].audio`);
          if (!Buffer.isBuffer(decoded)) return { ok: false, error: decoded };
          audio = decoded;
        }
        content.push({ type: 'input_audio', audio, transcript: part.transcript ?? null });
      }
      return { ok: true, item: { id, type: 'message', status: input.status ?? 'completed', role: input.role, content } };
    }
    case 'function_call':
      return {
        ok: true,
        item: { id, type: 'function_call', status: input.status ?? 'completed', name: input.name, call_id: input.call_id ?? newCallId(), arguments: input.arguments },
      };
    case 'function_call_output':
      return { ok: true, item: { id, type: 'function_call_output', call_id: input.call_id, output: input.output } };
    case 'mcp_approval_response':
      return {
        ok: true,
        item: { id, type: 'mcp_approval_response', approval_request_id: input.approval_request_id, approve: input.approve, reason: input.reason ?? null },
      };
  }
}

export function retrieveItem(ctx: SessionContext, itemId: string, eventId: string | null): void {
  const item = ctx.conversation.find(itemId);
  if (!item) ctx.fail(itemNotFound('retrieving', itemId), eventId);
  else ctx.send({ type: 'conversation.item.retrieved', item: itemToWire(item, true) });
}

export function deleteItem(ctx: SessionContext, itemId: string, eventId: string | null): void {
  if (!ctx.conversation.delete(itemId)) ctx.fail(itemNotFound('deleting', itemId), eventId);
  else ctx.send({ type: 'conversation.item.deleted', item_id: itemId });
}

/** Assistant audio only, and never past the audio actually delivered (§3.7). */
export function truncateItem(ctx: SessionContext, itemId: string, contentIndex: number, audioEndMs: number, eventId: string | null): void {
  const item = ctx.conversation.find(itemId);
  if (!item) {
    ctx.fail(truncateInvalidItemId(itemId), eventId);
    return;
  }
  if (item.type !== 'message' || item.role !== 'assistant') {
    ctx.fail(protocolError('invalid_value', `Invalid 'item_id': only assistant messages with audio can be truncated, and '${itemId}' is not one.`, 'item_id'), eventId);
    return;
  }
  if (item.content[contentIndex]?.type !== 'output_audio') {
    ctx.fail(protocolError('invalid_value', `Invalid 'content_index': item '${itemId}' has no audio at content index ${contentIndex}.`, 'content_index'), eventId);
    return;
  }
  const deliveredMs = Math.floor(ctx.conversation.deliveredMs(itemId));
  if (audioEndMs > deliveredMs) {
    ctx.fail(truncateTooLong(deliveredMs, audioEndMs), eventId);
    return;
  }
  ctx.conversation.truncateAudio(itemId, contentIndex, audioEndMs);
  ctx.send({ type: 'conversation.item.truncated', item_id: itemId, content_index: contentIndex, audio_end_ms: audioEndMs });
}
