import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { RealtimeResponseStatus, RealtimeResponseUsage } from 'openai/resources/realtime/realtime';
import type { AudioFormat } from '../../audio/format.ts';
import type { Conversation } from '../conversation.ts';
import { newCallId, newItemId } from '../ids.ts';
import type { EmulatorTiming } from '../options.ts';
import { itemToWire, type Item, type McpItem, type MessageItem } from '../protocol/items.ts';
import type { CallOutcome } from '../mcp/server-link.ts';
import type { ServerEvent, WireResponse } from '../protocol/server-events.ts';
import type { Voice } from '../protocol/session-config.ts';
import { splitSentences, type SpeechSynthesizer } from '../speech/index.ts';
import type { PlannedOutput } from './plan.ts';
import { SpeechStream, words } from './speech-stream.ts';
import { buildUsage, outputAudioTokens, textTokens, type TokenCounts } from './usage.ts';

// One response, from `response.created` to `response.done`, in the exact order of §4.2 (spoken
// or text message) and §4.4 (function call). A step loop over named steps drives it; cancel()
// is synchronous, so a barge-in's `*.done` events follow `speech_started` with nothing between.

export interface ResponseSpec {
  id: string;
  /** Null for out-of-band responses (`conversation: "none"`): nothing joins the conversation. */
  conversation: Conversation | null;
  outputs: PlannedOutput[];
  modality: 'audio' | 'text';
  format: AudioFormat;
  voice: Voice;
  speed: number;
  maxOutputTokens: number | 'inf';
  metadata: Record<string, string> | null;
  inputTokens: TokenCounts;
  cachedTokens: number;
}

export interface RunnerDeps {
  send(event: ServerEvent): void;
  synthesizer: SpeechSynthesizer;
  timing: EmulatorTiming;
  /** ProtocolChoices.transcriptDoneFirst. */
  transcriptDoneFirst: boolean;
  logger: Logger;
  /** After `response.done`. */
  onFinished(runner: ResponseRunner, usage: Required<RealtimeResponseUsage>): void;
  /** The session's MCP servers (src/emulator/mcp/), for `mcp_call` and `mcp_approval_request` outputs. */
  mcp?: McpRunner;
}

export interface McpRunner {
  call(serverLabel: string, name: string, rawArguments: string, signal: AbortSignal): Promise<CallOutcome>;
  approvalRequested(request: McpApprovalRequestItem): void;
}

export type CancelReason = 'turn_detected' | 'client_cancelled';

type Outcome =
  | { status: 'completed' }
  | { status: 'cancelled'; reason: CancelReason }
  | { status: 'incomplete'; reason: 'max_output_tokens' }
  | { status: 'failed'; error: { type: string; code: string } };

type Step =
  | { name: 'announce' }
  | { name: 'open'; index: number }
  | { name: 'stream'; index: number }
  | { name: 'close'; index: number }
  | { name: 'complete' }
  | { name: 'finished' };

type FunctionCallItem = Extract<Item, { type: 'function_call' }>;
type McpCallItem = Extract<McpItem, { type: 'mcp_call' }>;
type McpApprovalRequestItem = Extract<McpItem, { type: 'mcp_approval_request' }>;

type OpenOutput =
  | { kind: 'audio'; index: number; item: MessageItem; stream: SpeechStream; transcript: string; audio: Buffer[] }
  | { kind: 'text'; index: number; item: MessageItem; tokens: string[]; text: string }
  | { kind: 'call'; index: number; item: FunctionCallItem; args: string }
  | { kind: 'mcp_call'; index: number; item: McpCallItem; args: string }
  | { kind: 'mcp_approval_request'; index: number; item: McpApprovalRequestItem };

const FINISHED: Step = { name: 'finished' };

export class ResponseRunner {
  readonly id: string;
  readonly #spec: ResponseSpec;
  readonly #deps: RunnerDeps;
  readonly #abort = new AbortController();
  readonly #output: Item[] = [];
  #open: OpenOutput | null = null;
  /** Spoken outputs start synthesizing at `response.created`, so speech is ready by the first delta. */
  readonly #speechByOutput = new Map<number, SpeechStream>();
  #ended = false;
  /** When the first audio chunk went out (performance clock): playback starts about then. */
  #firstAudioAt: number | null = null;
  #audioMs = 0;
  #outputText = 0;
  #outputAudioMs = 0;

  constructor(spec: ResponseSpec, deps: RunnerDeps) {
    this.id = spec.id;
    this.#spec = spec;
    this.#deps = deps;
  }

  /** Whether it writes to the default conversation (only one such response runs at a time). */
  get inConversation(): boolean {
    return this.#spec.conversation !== null;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** When a listener playing in real time from the first chunk hears the end (performance clock). */
  get playbackEndsAt(): number {
    return (this.#firstAudioAt ?? performance.now()) + this.#audioMs;
  }

  /** Emits `response.created` before returning to the caller's event loop turn, then streams. */
  async run(): Promise<void> {
    let step: Step = { name: 'announce' };
    try {
      while (step.name !== 'finished' && !this.#ended) step = await this.#step(step);
    } catch (err) {
      if (this.#ended) return;
      this.#deps.logger.error({ err, responseId: this.id }, 'response failed');
      this.#finish({ status: 'failed', error: { type: 'server_error', code: 'emulator_error' } });
    }
  }

  /** Ends the response now with `status: cancelled`; false if it had already ended. */
  cancel(reason: CancelReason): boolean {
    if (this.#ended) return false;
    this.#finish({ status: 'cancelled', reason });
    return true;
  }

  /** Stops without a word, for a closing connection. */
  abort(): void {
    this.#ended = true;
    this.#abort.abort();
  }

  async #step(step: Step): Promise<Step> {
    const count = this.#spec.outputs.length;
    switch (step.name) {
      case 'announce':
        this.#send({ type: 'response.created', response: this.#response('in_progress', null, null) });
        if (this.#spec.modality === 'audio') {
          this.#spec.outputs.forEach((output, index) => {
            if (output.kind === 'message') this.#speechByOutput.set(index, this.#speech(output.text));
          });
        }
        await this.#wait(this.#deps.timing.firstDeltaMs);
        return count > 0 ? { name: 'open', index: 0 } : { name: 'complete' };
      case 'open':
        this.#openOutput(step.index);
        return { name: 'stream', index: step.index };
      case 'stream':
        return this.#stream(step.index);
      case 'close':
        this.#closeOutput('completed');
        return step.index + 1 < count ? { name: 'open', index: step.index + 1 } : { name: 'complete' };
      case 'complete':
        this.#finish({ status: 'completed' });
        return FINISHED;
      case 'finished':
        return FINISHED;
    }
  }

  #openOutput(index: number): void {
    const planned = this.#spec.outputs[index];
    if (planned.kind === 'call') {
      const item: FunctionCallItem = { id: newItemId(), type: 'function_call', status: 'in_progress', name: planned.name, call_id: newCallId(), arguments: '' };
      this.#open = { kind: 'call', index, item, args: planned.arguments };
      this.#announceItem(index, item);
      return;
    }
    if (planned.kind === 'mcp_call') {
      const item: McpCallItem = {
        id: newItemId(), type: 'mcp_call', server_label: planned.serverLabel, name: planned.name, arguments: '',
        output: null, error: null, approval_request_id: planned.approvalRequestId,
      };
      this.#open = { kind: 'mcp_call', index, item, args: planned.arguments };
      this.#announceItem(index, item);
      return;
    }
    if (planned.kind === 'mcp_approval_request') {
      const item: McpApprovalRequestItem = { id: newItemId(), type: 'mcp_approval_request', server_label: planned.serverLabel, name: planned.name, arguments: planned.arguments };
      this.#open = { kind: 'mcp_approval_request', index, item };
      this.#announceItem(index, item);
      this.#deps.mcp?.approvalRequested(item);
      return;
    }
    const item: MessageItem = { id: newItemId(), type: 'message', status: 'in_progress', role: 'assistant', content: [] };
    this.#announceItem(index, item);
    const base = { response_id: this.id, item_id: item.id, output_index: index, content_index: 0 };
    if (this.#spec.modality === 'text') {
      item.content.push({ type: 'output_text', text: '' });
      const tokens = splitSentences(planned.text).flatMap((sentence, i) => words(sentence, i > 0));
      this.#open = { kind: 'text', index, item, tokens, text: '' };
      this.#send({ type: 'response.content_part.added', ...base, part: { type: 'text', text: '' } });
      return;
    }
    item.content.push({ type: 'output_audio', audio: null, transcript: '' });
    const stream = this.#speechByOutput.get(index) ?? this.#speech(planned.text);
    this.#open = { kind: 'audio', index, item, stream, transcript: '', audio: [] };
    this.#send({ type: 'response.content_part.added', ...base, part: { type: 'audio', transcript: '' } });
  }

  #announceItem(index: number, item: Item): void {
    this.#output.push(item);
    this.#send({ type: 'response.output_item.added', response_id: this.id, output_index: index, item: itemToWire(item) });
    const conversation = this.#spec.conversation;
    if (!conversation) return;
    const previous = conversation.insert(item);
    this.#send({ type: 'conversation.item.added', previous_item_id: previous, item: itemToWire(item) });
  }

  async #stream(index: number): Promise<Step> {
    const open = this.#open;
    if (!open) return FINISHED;
    if (open.kind === 'call') {
      // Arguments stream in a few pieces, like the model's token deltas.
      for (const delta of argumentPieces(open.args)) {
        open.item.arguments += delta;
        this.#send({ type: 'response.function_call_arguments.delta', response_id: this.id, item_id: open.item.id, output_index: index, call_id: open.item.call_id, delta });
      }
      this.#outputText += open.args.length + open.item.name.length;
      return { name: 'close', index };
    }
    if (open.kind === 'mcp_call') return this.#callMcp(open);
    if (open.kind === 'mcp_approval_request') {
      this.#outputText += open.item.arguments.length + open.item.name.length;
      return { name: 'close', index };
    }
    const base = { response_id: this.id, item_id: open.item.id, output_index: index, content_index: 0 };
    if (open.kind === 'text') {
      const token = open.tokens.shift();
      if (token === undefined) return { name: 'close', index };
      await this.#wait(this.#deps.timing.textDeltaMs);
      if (this.#ended) return FINISHED;
      open.text += token;
      setPartText(open.item, open.text);
      this.#outputText += token.length;
      this.#send({ type: 'response.output_text.delta', ...base, delta: token });
      return this.#overBudget() ? FINISHED : { name: 'stream', index };
    }
    const chunk = await open.stream.next();
    if (this.#ended) return FINISHED;
    if (!chunk) return { name: 'close', index };
    await this.#pace();
    if (this.#ended) return FINISHED;
    for (const word of chunk.words) {
      open.transcript += word;
      this.#outputText += word.length;
      this.#send({ type: 'response.output_audio_transcript.delta', ...base, delta: word });
    }
    setPartText(open.item, open.transcript);
    open.audio.push(chunk.audio);
    this.#audioMs += chunk.durationMs;
    this.#outputAudioMs += chunk.durationMs;
    this.#spec.conversation?.addDeliveredAudio(open.item.id, chunk.durationMs, chunk.audio.byteLength);
    this.#send({ type: 'response.output_audio.delta', ...base, delta: chunk.audio.toString('base64') });
    return this.#overBudget() ? FINISHED : { name: 'stream', index };
  }

  /** The service calls the MCP tool itself, between the arguments and the item's end (§4.1 "MCP"). */
  async #callMcp(open: Extract<OpenOutput, { kind: 'mcp_call' }>): Promise<Step> {
    const { item, index, args } = open;
    const base = { response_id: this.id, item_id: item.id, output_index: index };
    for (const delta of argumentPieces(args)) {
      item.arguments += delta;
      this.#send({ type: 'response.mcp_call_arguments.delta', ...base, delta });
    }
    this.#send({ type: 'response.mcp_call_arguments.done', ...base, arguments: item.arguments });
    this.#outputText += args.length + item.name.length;
    this.#send({ type: 'response.mcp_call.in_progress', item_id: item.id, output_index: index });
    const outcome: CallOutcome = this.#deps.mcp
      ? await this.#deps.mcp.call(item.server_label, item.name, item.arguments, this.#abort.signal)
      : { ok: false, error: { type: 'tool_execution_error', message: 'no MCP servers in this session' } };
    if (this.#ended) return FINISHED;
    if (outcome.ok) item.output = outcome.output;
    else item.error = outcome.error;
    this.#send({ type: outcome.ok ? 'response.mcp_call.completed' : 'response.mcp_call.failed', item_id: item.id, output_index: index });
    return { name: 'close', index };
  }

  /** Chunk k goes out at start + (audio so far) / pace: faster than real time, as the service is. */
  async #pace(): Promise<void> {
    this.#firstAudioAt ??= performance.now();
    const pace = this.#deps.timing.audioPace;
    if (!(pace > 0)) return;
    const due = this.#firstAudioAt + this.#audioMs / pace;
    await this.#wait(due - performance.now());
  }

  /** `max_output_tokens` reached: the response ends `incomplete` (§4.6). */
  #overBudget(): boolean {
    const max = this.#spec.maxOutputTokens;
    const spent = this.#outputTokens();
    if (max === 'inf' || spent.text + spent.audio < max) return false;
    this.#finish({ status: 'incomplete', reason: 'max_output_tokens' });
    return true;
  }

  /** The `*.done` events of the open output, in §4.2 / §4.4 order. */
  #closeOutput(status: 'completed' | 'incomplete'): void {
    const open = this.#open;
    if (!open) return;
    this.#open = null;
    const { item, index } = open;
    if (open.kind === 'call') {
      this.#send({
        type: 'response.function_call_arguments.done',
        response_id: this.id,
        item_id: item.id,
        output_index: index,
        call_id: open.item.call_id,
        name: open.item.name,
        arguments: open.item.arguments,
      });
    } else if (open.kind === 'mcp_call') {
      // Cut off mid-call (a barge-in): the call fails, and the item ends without an answer.
      if (open.item.output === null && open.item.error === null) {
        open.item.error = { type: 'tool_execution_error', message: 'the response ended before the call did' };
        this.#send({ type: 'response.mcp_call.failed', item_id: item.id, output_index: index });
      }
    } else if (open.kind !== 'mcp_approval_request') {
      // (An approval request streams nothing: it is whole from the start.)
      const base = { response_id: this.id, item_id: item.id, output_index: index, content_index: 0 };
      if (open.kind === 'audio') {
        const part = open.item.content[0];
        if (part?.type === 'output_audio') part.audio = Buffer.concat(open.audio);
        this.#spec.conversation?.audioChanged();
        const audioDone: ServerEvent = { type: 'response.output_audio.done', ...base };
        const transcriptDone: ServerEvent = { type: 'response.output_audio_transcript.done', ...base, transcript: open.transcript };
        for (const event of this.#deps.transcriptDoneFirst ? [transcriptDone, audioDone] : [audioDone, transcriptDone]) this.#send(event);
        this.#send({ type: 'response.content_part.done', ...base, part: { type: 'audio', transcript: open.transcript } });
      } else {
        this.#send({ type: 'response.output_text.done', ...base, text: open.text });
        this.#send({ type: 'response.content_part.done', ...base, part: { type: 'text', text: open.text } });
      }
    }
    if ('status' in item) item.status = status;
    const conversation = this.#spec.conversation;
    if (conversation) this.#send({ type: 'conversation.item.done', previous_item_id: conversation.previousId(item.id), item: itemToWire(item) });
    this.#send({ type: 'response.output_item.done', response_id: this.id, output_index: index, item: itemToWire(item) });
  }

  #finish(outcome: Outcome): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#abort.abort();
    this.#closeOutput(outcome.status === 'completed' ? 'completed' : 'incomplete');
    const usage = buildUsage(this.#spec.inputTokens, this.#spec.cachedTokens, this.#outputTokens());
    this.#send({ type: 'response.done', response: this.#response(outcome.status, statusDetails(outcome), usage) });
    this.#deps.onFinished(this, usage);
  }

  #outputTokens(): TokenCounts {
    return { text: textTokens(this.#outputText), audio: outputAudioTokens(this.#outputAudioMs) };
  }

  #response(status: NonNullable<WireResponse['status']>, details: RealtimeResponseStatus | null, usage: RealtimeResponseUsage | null): WireResponse {
    const spec = this.#spec;
    return {
      object: 'realtime.response',
      id: this.id,
      status,
      status_details: details,
      output: this.#output.map((item) => itemToWire(item)),
      conversation_id: spec.conversation?.id ?? null,
      output_modalities: [spec.modality],
      max_output_tokens: spec.maxOutputTokens,
      audio: { output: { format: spec.format, voice: typeof spec.voice === 'string' ? spec.voice : spec.voice.id } },
      usage,
      metadata: spec.metadata,
    };
  }

  #speech(text: string): SpeechStream {
    const { synthesizer, timing } = this.#deps;
    const voice = typeof this.#spec.voice === 'string' ? this.#spec.voice : undefined;
    return new SpeechStream(text, { synthesizer, format: this.#spec.format, voice, speed: this.#spec.speed, chunkMs: timing.audioChunkMs });
  }

  #send(event: ServerEvent): void {
    this.#deps.send(event);
  }

  /** Resolves after `ms`, or at once when the response ends. */
  async #wait(ms: number): Promise<void> {
    if (!(ms > 0) || this.#ended) return;
    try {
      await sleep(ms, undefined, { signal: this.#abort.signal, ref: false });
    } catch {
      // Aborted: the response ended meanwhile; the caller checks.
    }
  }
}

function setPartText(item: MessageItem, text: string): void {
  const part = item.content[0];
  if (part?.type === 'output_audio') part.transcript = text;
  else if (part?.type === 'output_text') part.text = text;
}

function statusDetails(outcome: Outcome): RealtimeResponseStatus | null {
  switch (outcome.status) {
    case 'completed':
      return null;
    case 'cancelled':
    case 'incomplete':
      return { type: outcome.status, reason: outcome.reason };
    case 'failed':
      return { type: 'failed', error: outcome.error };
  }
}

/** Splits JSON arguments into a few deltas at natural boundaries (after `,` and `:`). */
export function argumentPieces(args: string): string[] {
  if (args.length <= 16) return [args];
  const pieces = args.split(/(?<=[,:])/);
  const out: string[] = [];
  for (const piece of pieces) {
    if (out.length > 0 && out[out.length - 1].length < 12) out[out.length - 1] += piece;
    else out.push(piece);
  }
  return out;
}
