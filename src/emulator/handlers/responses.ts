import type { RealtimeResponseUsage } from 'openai/resources/realtime/realtime';
import { bytesPerMs } from '../../audio/format.ts';
import type { SessionContext } from '../context.ts';
import { newResponseId } from '../ids.ts';
import { activeResponse, cancelNotActive, protocolError, type ProtocolError } from '../protocol/errors.ts';
import type { Item, McpItem } from '../protocol/items.ts';
import { fillMcpResult } from '../mcp/result-text.ts';
import { responseParamsSchema, type ResponseParams } from '../protocol/response-params.ts';
import type { Tool } from '../protocol/session-config.ts';
import { issuesToError } from '../protocol/zod-issues.ts';
import { Responder, type ResponseSteps } from '../responder/responder.ts';
import { planOutputs, type McpPlanner, type PlannedOutput } from '../response/plan.ts';
import { ResponseRunner } from '../response/runner.ts';
import { cachedTokens, inputAudioTokens, outputAudioTokens, textTokens, type TokenCounts } from '../response/usage.ts';
import { toStoredItem } from './items.ts';

// response.create (§3.9) and response.cancel (§3.10): per-response overrides, the one-at-a-time
// rule of the default conversation, out-of-band responses, and what happens after response.done.

export type ResponseOrigin =
  | { kind: 'client'; eventId: string | null }
  | { kind: 'turn' }
  | { kind: 'idle' }
  /** The user answered an MCP approval request: the service goes on by itself (an approved call is made). */
  | { kind: 'mcp_approval'; approved: Extract<McpItem, { type: 'mcp_approval_request' }> | null };

export async function createResponse(ctx: SessionContext, raw: unknown, origin: ResponseOrigin): Promise<void> {
  const eventId = origin.kind === 'client' ? origin.eventId : null;
  if (ctx.kind === 'transcription') {
    ctx.fail(protocolError('invalid_value', "Invalid value: 'response.create'. Transcription sessions do not create responses.", 'type'), eventId);
    return;
  }
  const parsed = raw === undefined ? { success: true as const, data: {} } : responseParamsSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    ctx.fail(issuesToError(parsed.error.issues, ['response']), eventId);
    return;
  }
  const params: ResponseParams = parsed.data;
  const outOfBand = params.conversation === 'none';
  const active = ctx.responses.active;
  if (!outOfBand && active) {
    if (origin.kind === 'client') ctx.fail(activeResponse(active.id), eventId);
    return;
  }
  const context = params.input ? resolveInput(ctx, params.input) : { ok: true as const, items: ctx.conversation.items };
  if (!context.ok) {
    ctx.fail(context.error, eventId);
    return;
  }
  const session = ctx.session;
  const tools = params.tools ?? session.tools;
  const toolChoice = params.tool_choice ?? session.tool_choice;
  const instructions = params.instructions ?? session.instructions;
  const outputs = origin.kind === 'mcp_approval' && origin.approved
    ? [approvedCall(origin.approved)]
    : planOutputs(steps(ctx, outOfBand, origin, { instructions, tools, items: context.items }), tools, toolChoice, ctx.logger, mcpPlanner(ctx));
  const input = contextTokens(ctx, instructions, tools, context.items);
  const cached = cachedTokens(ctx.lastInputTokens, input.text + input.audio);
  ctx.lastInputTokens = input.text + input.audio;
  const runner = new ResponseRunner(
    {
      id: newResponseId(),
      conversation: outOfBand ? null : ctx.conversation,
      outputs,
      modality: (params.output_modalities ?? session.output_modalities)[0],
      format: params.audio?.output?.format ?? session.audio.output.format,
      voice: params.audio?.output?.voice ?? session.audio.output.voice,
      speed: session.audio.output.speed,
      maxOutputTokens: params.max_output_tokens ?? session.max_output_tokens,
      metadata: params.metadata ?? null,
      inputTokens: input,
      cachedTokens: cached,
    },
    {
      send: (event) => ctx.send(event),
      synthesizer: ctx.synthesizer,
      timing: ctx.timing,
      transcriptDoneFirst: ctx.choices.transcriptDoneFirst,
      logger: ctx.logger,
      onFinished: (done, usage) => onFinished(ctx, done, usage),
      mcp: ctx.mcp,
    },
  );
  ctx.responses.add(runner);
  ctx.cancelIdle();
  // The step loop waits here, so later client events see `response.created` first (§4.3).
  await ctx.delay(ctx.timing.responseCreatedMs);
  if (!ctx.isOpen) return;
  void runner.run();
}

/** Out-of-band responses and idle prompts do not move the conversation script. */
function steps(ctx: SessionContext, outOfBand: boolean, origin: ResponseOrigin, view: Parameters<Responder['respond']>[0]): ResponseSteps {
  if (outOfBand) return Responder.unscripted('out_of_band');
  return origin.kind === 'idle' ? Responder.unscripted('idle') : ctx.responder.respond(view);
}

function mcpPlanner(ctx: SessionContext): McpPlanner {
  return { find: (name, tools, toolChoice) => ctx.mcp.find(name, tools, toolChoice), fill: (text) => fillMcpResult(text, ctx.conversation) };
}

/** The call an approval request stood for, now made (the user's yes is the script's answer). */
function approvedCall(request: Extract<McpItem, { type: 'mcp_approval_request' }>): PlannedOutput {
  return { kind: 'mcp_call', serverLabel: request.server_label, name: request.name, arguments: request.arguments, approvalRequestId: request.id };
}

export function cancelResponse(ctx: SessionContext, responseId: string | undefined, eventId: string | null): void {
  const target = responseId === undefined ? ctx.responses.active : ctx.responses.find(responseId);
  if (!target?.cancel('client_cancelled')) ctx.fail(cancelNotActive(), eventId);
}

function onFinished(ctx: SessionContext, runner: ResponseRunner, usage: Required<RealtimeResponseUsage>): void {
  ctx.responses.finished(runner);
  // Tokens only, ~40 ms after response.done (§4.8).
  ctx.later(ctx.timing.rateLimitsMs, () => ctx.send({ type: 'rate_limits.updated', rate_limits: ctx.rateLimits.record(usage.total_tokens) }));
  if (runner.inConversation && !ctx.turns.pending) ctx.armIdle(runner.playbackEndsAt);
}

/** A fresh context for this response only (§3.9): new items and references to existing ones. */
function resolveInput(
  ctx: SessionContext,
  input: NonNullable<ResponseParams['input']>,
): { ok: true; items: readonly Item[] } | { ok: false; error: ProtocolError } {
  const items: Item[] = [];
  for (const [index, entry] of input.entries()) {
    if (entry.type === 'item_reference') {
      const found = ctx.conversation.find(entry.id);
      if (!found) {
        const param = `response.input[${index}].id`;
        return { ok: false, error: protocolError('invalid_value', `Invalid '${param}': no item with id '${entry.id}' in the conversation.`, param) };
      }
      items.push(found);
      continue;
    }
    const stored = toStoredItem(ctx, entry, `response.input[${index}]`);
    if (!stored.ok) return stored;
    items.push(stored.item);
  }
  return { ok: true, items };
}

function contextTokens(ctx: SessionContext, instructions: string, tools: readonly Tool[], items: readonly Item[]): TokenCounts {
  let chars = instructions.length + JSON.stringify(tools).length;
  let audio = 0;
  for (const item of items) {
    if (item.type === 'function_call') chars += item.name.length + item.arguments.length;
    else if (item.type === 'function_call_output') chars += item.output.length;
    else if (item.type === 'mcp_call') chars += item.name.length + item.arguments.length + (item.output?.length ?? 0);
    else if (item.type === 'mcp_list_tools') chars += JSON.stringify(item.tools).length;
    else if (item.type === 'message') {
      for (const part of item.content) {
        if (part.type === 'input_text' || part.type === 'output_text') chars += part.text.length;
        else if (part.type === 'input_audio') audio += inputAudioTokens((part.audio?.byteLength ?? 0) / bytesPerMs(ctx.buffer.format));
        else if (part.type === 'output_audio') audio += outputAudioTokens(ctx.conversation.deliveredMs(item.id));
      }
    }
  }
  return { text: textTokens(chars), audio };
}
