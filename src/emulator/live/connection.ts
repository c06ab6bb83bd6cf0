import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import type { AudioFormat as LiveAudioFormat, Error as LiveError, FunctionTool, ServerEvent, SessionConfig, SessionResource } from 'openai/resources/live/live';
import { Responder, type ResponderInput } from '../responder/responder.ts';
import type { LoadedScript } from '../responder/script.ts';
import { words } from '../response/speech-stream.ts';
import type { SpeechSynthesizer } from '../speech/index.ts';
import { bytesToMs, DEFAULT_LIVE_FORMAT, decodeBase64Audio } from './audio.ts';
import { BackendModel } from './backend-model.ts';
import { LiveConversationView } from './conversation-view.ts';
import { parseClientFrame, type AppendEvent, type LiveClientEvent } from './client-events.ts';
import { applyUpdate, backendMcpTools, checkStartConfig, checkUpdateConfig, tokensOf } from './config.ts';
import type { McpLimits } from '../mcp/limits.ts';
import { SessionMcp } from '../mcp/session-mcp.ts';
import { liveListing } from './mcp-listing.ts';
import {
  alreadyStarted, badAudio, delegationIdUnderResponses, fixtureActive, liveError, notResponsesDelegation, notStarted,
  serverError, tooLong, unknownDelegation,
} from './errors.ts';
import { newDelegationId, newLiveEventId, newLiveSessionId } from './ids.ts';
import { Listener } from './listener.ts';
import { LIVE_LIMITS, type LiveChoices } from './options.ts';
import { Speaker } from './speaker.ts';
import type { SidebandServerEvent } from 'openai/resources/live/sideband/sideband';
import type { SipCall } from '../sip/calls.ts';
import { SimulatedCaller } from '../sip/simulated-caller.ts';

// One emulated GPT-Live session on the primary WebSocket (LIVE_PROTOCOL.md §1.1, §3). Frames are
// handled one at a time, in order; the model's speech and its backend run beside that loop.
// The model's turns come from the emulator's responder (the script, or the default replies):
// the caller's turn ends where the real VAD hears it end, and each response's steps are spoken
// (`say`) or, from the first `call` on, delegated to the backend (backend-model.ts).

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Outgoing = DistributiveOmit<ServerEvent | SidebandServerEvent, 'event_id'>;

export interface LiveConnectionInit {
  logger: Logger;
  synthesizer: SpeechSynthesizer;
  script: LoadedScript | undefined;
  choices: LiveChoices;
  maxEventBytes: number;
  /** What one remote MCP server of the delegation backend may cost the session. */
  mcp: McpLimits;
  /**
   * A sideband socket (`/v1/live/sessions/{id}/attach`, §1.3) of an accepted SIP call: the session
   * the accept started, with the caller on the SIP leg (simulated from the script), reflected audio
   * and timestamped output; no `session.start` and no audio appends on it.
   */
  call?: SipCall;
}

type State = 'awaiting_start' | 'active' | 'closed';

/** The voice the service uses when none is configured (§2.1). */
const DEFAULT_VOICE = 'marin';
/** The emulated model's context window, for `context_window.usage_ratio`. */
const CONTEXT_TOKENS = 32_000;
/** The sideband's audio, both ways: PCM16 24 kHz (§1.3), whatever the SIP leg negotiated. */
const SIDEBAND_FORMAT = { type: 'audio/pcm', rate: 24000 } as const;

export class LiveConnection {
  readonly #ws: WebSocket;
  readonly #init: LiveConnectionInit;
  readonly #log: Logger;
  readonly #responder: Responder;
  readonly #conversation = new LiveConversationView();
  #state: State = 'awaiting_start';
  #session: SessionResource | undefined;
  #startedAt = 0;
  #listener: Listener | undefined;
  #speaker: Speaker | undefined;
  #backend: BackendModel | undefined;
  /** The delegation backend's remote MCP servers. */
  readonly #mcp: SessionMcp;
  #frames: Promise<void> = Promise.resolve();
  #timers: NodeJS.Timeout[] = [];
  #fixturePlaying = false;
  /** Client delegations announced, whose ids appends may name. */
  readonly #clientDelegations = new Set<string>();
  #contextTokens = 0;
  /** A SIP call's sideband: the call's end closes it; the simulated caller speaks into it. */
  readonly #call: SipCall | undefined;
  readonly #attachment = {
    close: () => this.#finish('remote_hangup', undefined),
    // Only sideband observers hear the caller's keys (§1.3).
    keypad: (key: string) => this.#send({ type: 'transport.dtmf.received', event: key }),
  };
  #caller: SimulatedCaller | undefined;
  readonly closed: Promise<void>;

  constructor(ws: WebSocket, init: LiveConnectionInit) {
    this.#ws = ws;
    this.#init = init;
    this.#log = init.logger;
    this.#call = init.call;
    this.#responder = new Responder(init.call?.script ?? init.script, init.logger);
    this.#mcp = new SessionMcp(init.mcp);
    this.closed = new Promise((resolve) => ws.once('close', () => {
      this.#dispose();
      resolve();
    }));
    if (init.call?.liveSession) {
      const call = init.call;
      call.attach(this.#attachment);
      this.#frames = this.#activate(structuredClone(call.liveSession!), SIDEBAND_FORMAT, undefined).then(() => {
        this.#caller = new SimulatedCaller({
          nextLine: () => this.#responder.nextUserLine(this.#responderInput()),
          agentQuiet: () => !this.#speaker!.speaking && !this.#backend!.busy,
          listening: () => this.#state === 'active' && call.isAttached(this.#attachment),
          format: () => SIDEBAND_FORMAT,
          synthesizer: init.synthesizer,
          feed: (frame) => {
            // The caller's audio, reflected to the sideband before model-input muting (§1.3).
            if (this.#ws.readyState === this.#ws.OPEN) this.#ws.send(JSON.stringify({ type: 'session.input_audio.append', audio: frame.toString('base64') }));
            this.#hear(frame);
          },
          logger: init.logger,
        });
      });
    }
    ws.on('message', (data, isBinary) => {
      this.#frames = this.#frames.then(() => this.#frame(data, isBinary)).catch((err: unknown) => {
        this.#log.error({ err }, 'live emulator: handling a frame failed');
        this.#error(serverError(), undefined);
      });
    });
  }

  /** Ends the session from the server side (shutdown): `session.closed` with `connection_lost`. */
  close(): void {
    this.#finish('connection_lost', undefined);
  }

  #now(): number {
    return performance.now() - this.#startedAt;
  }

  #send(event: Outgoing): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    // Output audio carries no event id on the primary socket (the SDK type has none).
    const stamped = event.type === 'session.output_audio.delta' ? event : { ...event, event_id: newLiveEventId() };
    this.#ws.send(JSON.stringify(stamped));
  }

  #error(error: LiveError, clientEventId: string | undefined): void {
    const withId = clientEventId === undefined ? error : { ...error, client_event_id: clientEventId };
    this.#send({ type: 'error', error: withId, ...(clientEventId === undefined ? {} : { client_event_id: clientEventId }) });
  }

  async #frame(data: RawData, isBinary: boolean): Promise<void> {
    if (this.#state === 'closed') return;
    if (isBinary) return this.#error(liveError('invalid_event', 'Expected a text WebSocket message with one JSON event.'), undefined);
    const text = data.toString();
    if (text.length > this.#init.maxEventBytes) {
      return this.#error(liveError('invalid_event', `The event is ${text.length} bytes, above the maximum of ${this.#init.maxEventBytes}.`), undefined);
    }
    const parsed = parseClientFrame(text);
    if (!parsed.ok) return this.#error(parsed.error, parsed.eventId);
    const event = parsed.event;
    const id = event.event_id ?? undefined;
    if (this.#call && (event.type === 'session.start' || event.type === 'session.input_audio.append')) {
      // §1.3: the session started at the accept; the caller's audio comes from the SIP leg.
      return this.#error(liveError('invalid_event', `'${event.type}' is not accepted on a sideband connection.`, 'type'), id);
    }
    if (this.#state === 'awaiting_start' && event.type !== 'session.start') {
      if (!this.#init.choices.errorBeforeStart) {
        this.#ws.close(1008, 'session.start must come first');
        return;
      }
      return this.#error(notStarted(event.type), id);
    }
    await this.#handle(event, id);
  }

  async #handle(event: LiveClientEvent, id: string | undefined): Promise<void> {
    switch (event.type) {
      case 'session.start': return this.#start(event.session, id);
      case 'session.update': return this.#update(event.session, id);
      case 'session.input_audio.append': return this.#append(event.audio, id);
      case 'session.input_audio.mute':
      case 'session.input_audio.unmute':
        this.#listener!.muted = event.type === 'session.input_audio.mute';
        this.#send({ type: event.type === 'session.input_audio.mute' ? 'session.input_audio.muted' : 'session.input_audio.unmuted', ...ack(id) });
        return;
      case 'session.output_audio.fixture.play': return this.#fixture(event.audio, id);
      case 'session.instructions.append':
      case 'session.thinking.append':
      case 'session.commentary.append':
        return this.#appendContext(event, id);
      case 'response.item.create': {
        if (!this.#responsesMode()) return this.#error(notResponsesDelegation(event.type), id);
        const { item } = event;
        if (item.type === 'mcp_approval_response' && !this.#backend!.approvalAnswered(item.approval_request_id, item.approve)) {
          return this.#error(liveError('invalid_value', `No MCP approval request '${item.approval_request_id}' waits for its answer.`, 'item.approval_request_id'), id);
        }
        if (item.type === 'function_call_output' && !this.#backend!.output(item.call_id)) {
          return this.#error(liveError('invalid_value', `No function call '${item.call_id}' waits for its output.`, 'item.call_id'), id);
        }
        if (item.type === 'function_call_output') this.#conversation.answered(item.call_id, typeof item.output === 'string' ? item.output : JSON.stringify(item.output));
        this.#contextTokens += tokensOf(JSON.stringify(item), this.#init.choices);
        return;
      }
      case 'response.create':
        if (!this.#responsesMode()) return this.#error(notResponsesDelegation(event.type), id);
        this.#backend!.create();
        return;
      case 'session.close':
        this.#finish('close_requested', id);
    }
  }

  async #start(raw: unknown, id: string | undefined): Promise<void> {
    if (this.#state !== 'awaiting_start') return this.#error(alreadyStarted(), id);
    const checked = checkStartConfig(raw, this.#init.choices);
    if (!checked.ok) return this.#error(checked.error, id);
    const config: SessionConfig = checked.value;
    if (/realtime/.test(config.model)) {
      return this.#error(liveError('invalid_model', `Model '${config.model}' is not a GPT-Live model; use /v1/realtime for it.`, 'session.model'), id);
    }
    const format = config.audio?.format ?? DEFAULT_LIVE_FORMAT;
    const voice = config.audio?.output?.voice ?? DEFAULT_VOICE;
    await this.#activate({
      id: newLiveSessionId(),
      model: config.model,
      status: 'active',
      expires_at: Math.floor((Date.now() + this.#init.choices.sessionMaxMs) / 1000),
      audio: { format, output: { voice } },
      delegation: config.delegation ?? { type: 'client' },
      instructions: config.instructions ?? null,
      input: config.input ?? [],
      triggers: config.triggers ?? [],
      store: config.store ?? false,
    }, format, id);
  }

  /** The session runs from here: a primary socket's after its `session.start`, a sideband's at once. */
  async #activate(session: SessionResource, format: LiveAudioFormat, id: string | undefined): Promise<void> {
    const { choices, synthesizer } = this.#init;
    const voice = session.audio?.output?.voice ?? DEFAULT_VOICE;
    this.#session = session;
    this.#listener = await Listener.create(format, choices.turnSilenceMs);
    this.#state = 'active';
    this.#startedAt = performance.now();
    this.#contextTokens = tokensOf(session.instructions ?? '', choices);
    this.#speaker = new Speaker({
      synthesizer, format, voice: typeof voice === 'string' ? voice : undefined, choices, timestamps: this.#call !== undefined,
      now: () => this.#now(), send: (e) => this.#send(e), isOpen: () => this.#state === 'active',
    });
    this.#backend = new BackendModel({
      send: (e) => this.#send(e),
      config: () => this.#backendConfig(),
      mcp: {
        find: (name) => this.#mcp.find(name, this.#backendMcp(), this.#toolChoice()),
        call: (server, name, args, signal) => this.#mcp.call(server, name, args, signal),
      },
      nextSteps: () => this.#responder.respond(this.#responderInput()),
      called: (callId, name, args) => this.#conversation.called(callId, name, args),
      speak: (text) => this.#say(text),
      now: () => this.#now(),
      logger: this.#log,
    });
    // §8.9: a sideband gets no replay unless the emulator is told to send `session.started` on it.
    if (!this.#call || choices.sidebandStarted) this.#send({ type: 'session.started', session: this.#session, ...ack(id) });
    this.#listMcpServers();
    const usage = setInterval(() => this.#send({ type: 'session.usage.updated', usage: this.#usage(), context_window: { usage_ratio: this.#usageRatio() } }), choices.usageIntervalMs);
    const expiry = setTimeout(() => this.#finish('expired', undefined), Math.min(choices.sessionMaxMs, 2 ** 31 - 1));
    usage.unref();
    expiry.unref();
    this.#timers.push(usage, expiry);
  }

  #update(raw: unknown, id: string | undefined): void {
    const checked = checkUpdateConfig(raw);
    if (!checked.ok) return this.#error(checked.error, id);
    const applied = applyUpdate(this.#session!, checked.value);
    if (!applied.ok) return this.#error(applied.error, id);
    this.#session = applied.value;
    this.#send({ type: 'session.updated', session: this.#session, ...ack(id) });
    this.#listMcpServers();
  }

  /** The backend lists the MCP servers its configuration names (new, changed, or failed before). */
  #listMcpServers(): void {
    const tools = this.#backendMcp();
    if (tools.length === 0) return;
    const send = (delegationId: string | null, event: Record<string, unknown>) => this.#send({ type: 'response.event', delegation_id: delegationId, event });
    this.#mcp.configure(liveListing(send, this.#log), tools);
  }

  #backendMcp(): ReturnType<typeof backendMcpTools> {
    const delegation = this.#session?.delegation;
    return delegation?.type === 'responses' ? backendMcpTools(delegation.responses.tools) : [];
  }

  /** The backend's `tool_choice` as the MCP servers read it (the emulated choices: a mode, or one function). */
  #toolChoice(): 'auto' | 'none' | 'required' | { type: 'function'; name: string } {
    const delegation = this.#session?.delegation;
    const choice = delegation?.type === 'responses' ? delegation.responses.tool_choice : undefined;
    if (choice === undefined || choice === null) return 'auto';
    if (typeof choice === 'string') return choice;
    return choice.type === 'function' && 'name' in choice && typeof choice.name === 'string' ? { type: 'function', name: choice.name } : 'auto';
  }

  #append(audio: string, id: string | undefined): void {
    const format = this.#session!.audio?.format ?? DEFAULT_LIVE_FORMAT;
    const bytes = decodeBase64Audio(format, audio);
    if (typeof bytes === 'string') return this.#error(badAudio('audio', bytes), id);
    this.#hear(bytes);
  }

  /** Caller audio reaches the model: its turns end where the VAD hears them end. */
  #hear(bytes: Uint8Array): void {
    if (!this.#listener) return;
    const heard = this.#listener.hear(bytes);
    if (heard.started.length > 0 && this.#speaker!.speaking && this.#init.choices.yieldsToCaller) {
      // Full duplex: the caller talks over the model, and the model yields (§3.3c).
      this.#speaker!.stop();
    }
    // The session timeline is the wall clock since the start (an emulator choice, §8.4): speech is
    // placed on it by when its audio arrived, whatever pace the client streams at.
    const offset = this.#now() - this.#listener!.heardMs;
    for (const turn of heard.ended) this.#callerTurn(Math.max(0, Math.round(turn.startMs + offset)), Math.max(0, Math.round(turn.endMs + offset)));
  }

  /** The caller's turn ended: its transcript, then the model's answer. */
  #callerTurn(startMs: number, endMs: number): void {
    const text = this.#responder.userInput({ kind: 'audio', durationMs: endMs - startMs }, this.#responderInput());
    this.#conversation.callerSaid(text);
    const tokens = words(text, false);
    const span = Math.max(1, endMs - startMs);
    tokens.forEach((word, i) => {
      const from = startMs + Math.round((i * span) / tokens.length);
      const to = startMs + Math.round(((i + 1) * span) / tokens.length);
      this.#send({ type: 'session.input_transcript.delta', delta: word, start_ms: from, end_ms: to });
    });
    this.#contextTokens += tokensOf(text, this.#init.choices);
    this.#modelTurn();
  }

  /** The model takes a turn: the `say` steps it speaks itself, and from the first `call` on, a delegation. */
  #modelTurn(): void {
    const steps = this.#responder.respond(this.#responderInput());
    const firstCall = steps.findIndex((step) => 'call' in step);
    const own = firstCall < 0 ? steps : steps.slice(0, firstCall);
    for (const step of own) if ('say' in step) this.#say(step.say);
    if (firstCall < 0) return;
    const rest = steps.slice(firstCall);
    if (this.#responsesMode()) {
      this.#backend!.delegate(rest);
      return;
    }
    // Client (or Decisions) delegation: the server only says that one happened (§4).
    const delegationId = newDelegationId();
    this.#clientDelegations.add(delegationId);
    const target = this.#session!.delegation?.type === 'decisions' ? 'decisions' : 'client';
    this.#send({ type: 'session.delegation.created', delegation: { id: delegationId, type: 'delegation', target }, offset_ms: Math.round(this.#now()) });
  }

  #appendContext(event: AppendEvent, id: string | undefined): void {
    if (this.#fixturePlaying) return this.#error(fixtureActive(event.type), id);
    const tokens = tokensOf(event.content, this.#init.choices);
    if (tokens > LIVE_LIMITS.appendTokens) return this.#error(tooLong('content', tokens, LIVE_LIMITS.appendTokens), id);
    if (event.delegation_id !== null) {
      if (this.#responsesMode()) return this.#error(delegationIdUnderResponses(), id);
      if (!this.#clientDelegations.has(event.delegation_id)) return this.#error(unknownDelegation(event.delegation_id), id);
    }
    this.#contextTokens += tokens;
    const at = Math.round(this.#now());
    const appended = ({
      'session.instructions.append': 'session.instructions.appended',
      'session.thinking.append': 'session.thinking.appended',
      'session.commentary.append': 'session.commentary.appended',
    } as const)[event.type];
    this.#send({ type: appended, start_ms: at, end_ms: at, ...ack(id) });
    if (event.type !== 'session.commentary.append') return;
    if (event.delegation_id !== null) {
      // Client delegation: the model paraphrases what it was given (verbatim, here).
      void this.#speaker!.say(event.content);
    } else if (this.#init.choices.commentaryTakesTurn && !this.#speaker!.speaking && !this.#backend!.busy) {
      // GPT-Live has no typed input (§3.3d): a commentary quoting text (a JSON string, as a gateway
      // passes on what a caller typed) is, to this model, the caller's turn in those words [E].
      const quoted = quotedText(event.content);
      if (quoted !== undefined) this.#conversation.callerSaid(this.#responder.userInput({ kind: 'text', text: quoted }, this.#responderInput()));
      this.#modelTurn();
    }
  }

  #fixture(audio: string, id: string | undefined): void {
    if (this.#fixturePlaying) return this.#error(liveError('fixture_active', 'An output audio fixture is already playing.', 'audio'), id);
    const bytes = decodeBase64Audio({ type: 'audio/pcm', rate: 24000 }, audio);
    if (typeof bytes === 'string') return this.#error(badAudio('audio', bytes), id);
    const ms = bytesToMs({ type: 'audio/pcm', rate: 24000 }, bytes.byteLength);
    if (ms > LIVE_LIMITS.fixtureMs) return this.#error(badAudio('audio', `the fixture is ${Math.round(ms)} ms, above the maximum of ${LIVE_LIMITS.fixtureMs} ms`), id);
    const samples = new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    // Validated whole first; then the model's speech is interrupted, input muted, the clip played.
    this.#speaker!.stop();
    this.#fixturePlaying = true;
    this.#listener!.deaf = true;
    this.#send({ type: 'session.output_audio.fixture.playing', ...ack(id) });
    void this.#speaker!.play(samples).then((played) => {
      this.#fixturePlaying = false;
      if (this.#listener) this.#listener.deaf = false;
      if (played && this.#state === 'active') this.#send({ type: 'session.output_audio.fixture.played', ...ack(id) });
    });
  }

  #responsesMode(): boolean {
    return this.#session?.delegation?.type === 'responses';
  }

  /** The voice speaks: heard by the caller, and part of the conversation the responder reads. */
  #say(text: string): void {
    this.#conversation.agentSaid(text);
    void this.#speaker?.say(text);
  }

  /** What the responder decides from: the delegation backend's instructions and tools hold the current state. */
  #responderInput(): ResponderInput {
    const delegation = this.#session?.delegation;
    const responses = delegation?.type === 'responses' ? delegation.responses : undefined;
    return this.#conversation.input({ instructions: typeof responses?.instructions === 'string' ? responses.instructions : '', tools: this.#backendConfig().tools });
  }

  #backendConfig(): { model: string; tools: readonly FunctionTool[] } {
    const delegation = this.#session?.delegation;
    if (delegation?.type !== 'responses') return { model: '', tools: [] };
    const tools = (delegation.responses.tools ?? []).filter((t): t is FunctionTool => t.type === 'function');
    return { model: delegation.responses.model, tools };
  }

  #usage(): { seconds: number } {
    return { seconds: Math.round(this.#now() / 100) / 10 };
  }

  #usageRatio(): number {
    return Math.min(1, Math.round((this.#contextTokens / CONTEXT_TOKENS) * 1000) / 1000);
  }

  /** `session.closed` (terminal), then the socket closes. */
  #finish(reason: 'close_requested' | 'expired' | 'connection_lost' | 'remote_hangup', id: string | undefined): void {
    if (this.#state === 'closed') return;
    const session = this.#session;
    const wasActive = this.#state === 'active';
    this.#state = 'closed';
    this.#speaker?.stop();
    if (wasActive && session) this.#send({ type: 'session.closed', reason, session, usage: this.#usage(), ...ack(id) });
    this.#ws.close(1000, reason);
    this.#dispose();
  }

  #dispose(): void {
    this.#state = 'closed';
    this.#backend?.close();
    this.#mcp.close();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#caller?.dispose();
    this.#call?.leave(this.#attachment);
    this.#timers = [];
    this.#speaker?.stop();
    this.#listener?.dispose();
    this.#listener = undefined;
  }
}

function ack(id: string | undefined): { client_event_id?: string } {
  return id === undefined ? {} : { client_event_id: id };
}

/** The first JSON string quoted in `content`, if there is one. */
function quotedText(content: string): string | undefined {
  const match = /"(?:[^"\\]|\\.)*"/.exec(content);
  if (!match) return undefined;
  try {
    return JSON.parse(match[0]) as string;
  } catch {
    return undefined;
  }
}
