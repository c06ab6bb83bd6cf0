import { FAREWELL, FAREWELL_MAX_MS, type CallSessionDeps } from './call-session.ts';
import type { Logger } from 'pino';
import { RealtimeSession } from '@openai/agents/realtime';
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import type { ClientControl, EdgeTransport } from '../edges/edge.ts';
import { bytesPerMs } from '../audio/format.ts';
import type { AgentRuntime, SessionCallbacks, SessionContext } from './agent-runtime.ts';
import { BackendLink, type BackendTarget, type LinkDownReason } from './backend-link.ts';
import { ConversationLog } from './conversation-log.ts';
import { ConversationData } from './conversation-data.ts';
import type { SlotValues } from '../engine/slots.ts';
import { checkServerEvent } from './server-event-check.ts';
import { GatewayTransport, type AgentAudioChunk } from './gateway-transport.ts';
import { KeypadEntry, keypadMessage } from './keypad.ts';
import { McpCalls } from './mcp-calls.ts';
import { SdkSessionConfig } from './sdk-session-config.ts';
import { callAcceptParams } from './call-accept.ts';
import { transferCall } from './call-transfer.ts';
import { HangupAfterGoodbye } from './hangup-after-goodbye.ts';
import { TranscriptRelay } from './transcript-relay.ts';
import { TurnTaking } from './turn-taking.ts';
import { runTool } from '../tools/run-tool.ts';
import type { ToolDefinition } from '../tools/tool.ts';
import type { FactSink } from '../observability/session-facts.ts';
import { errorEvent } from '../edges/errors.ts';
import { TRANSFER_CALL_TOOL } from '../engine/transition-tools.ts';
import { VgError } from '../errors.ts';

export type VoiceSessionDeps = CallSessionDeps;

/** Caller audio kept while the backend link is restored; beyond it the caller is asked to repeat. */
const MAX_HELD_AUDIO_MS = 10_000;

type Lifecycle = 'connecting' | 'live' | 'closing' | 'closed';

/**
 * One call: binds one edge to one Realtime backend connection through the Agents SDK. Owns the
 * lifecycle, the conversation state (agent and state), tools, and what the client is told; turn
 * taking is TurnTaking's. Audio frames bypass the SDK both ways (GatewayTransport), as base64
 * payloads in the edge's own format, which the backend is configured to speak.
 */
export class VoiceSession implements SessionCallbacks {
  readonly id: string;
  readonly #edge: EdgeTransport;
  readonly #runtime: AgentRuntime;
  readonly #toolTimeoutMs: number;
  /** Aborted when the session ends, so running tool handlers stop their I/O. */
  readonly #abort = new AbortController();
  readonly #log: Logger;
  readonly #facts: FactSink;
  readonly #backend: BackendTarget;
  readonly #transport: GatewayTransport;
  readonly #session: RealtimeSession<SessionContext>;
  readonly #config: SdkSessionConfig;
  readonly #turns: TurnTaking;
  readonly #keypad: KeypadEntry;
  readonly #transcripts: TranscriptRelay;
  readonly #conversation = new ConversationLog();
  readonly #data: ConversationData;
  /** The configuration update in flight (see #configUpdate). */
  #updates: Promise<unknown> = Promise.resolve();
  readonly #link: BackendLink;
  readonly #hangup: HangupAfterGoodbye;
  readonly #mcp: McpCalls;

  #lifecycle: Lifecycle = 'connecting';
  #toolsRunning = 0;
  #malformedEvents = 0;
  /** Set when the link dropped while the agent was answering: the restored agent picks up. */
  #cutByDrop = false;
  /** When the link went down, until the agent is heard again (the pause a caller notices). */
  #downSinceMs: number | undefined;
  #agent: string;
  #state: string;
  #ended: Promise<void> | undefined;
  #liveSinceMs = 0;
  readonly #createdAtMs = performance.now();

  constructor(deps: VoiceSessionDeps) {
    this.id = deps.id;
    this.#edge = deps.edge;
    this.#runtime = deps.runtime;
    this.#toolTimeoutMs = deps.toolTimeoutMs;
    this.#backend = deps.backend;
    this.#log = deps.log;
    this.#facts = deps.facts;
    this.#agent = this.#runtime.startAgent;
    this.#state = this.#runtime.startState(this.#agent);
    this.#transcripts = new TranscriptRelay(this.#edge, this.id, this.#facts);
    this.#data = new ConversationData(this.#runtime.slots);
    const { media } = this.#edge;
    this.#config = new SdkSessionConfig(media === 'none' ? 'none' : media.format);
    // With no audio at the gateway it cannot see the first audio play: the voice is fixed from the
    // start, so a handoff's session.update never changes it (cannot_update_voice).
    if (media === 'none') this.#config.pinVoice(this.#runtime.voice(this.#agent));
    this.#transport = new GatewayTransport({
      url: this.#backend.url,
      onAudio: (chunk) => this.#onAgentAudio(chunk),
      onMalformedAudio: (problem) => this.#malformed(problem),
      onMalformedEvent: (err) => this.#malformed(err instanceof Error ? err.message : String(err)),
      onInterrupt: (cancel) => this.#turns.interrupt(cancel),
      onToolOutput: (callId, output) => this.#conversation.outputSent(callId, output),
      handshakeTimeoutMs: deps.linkPolicy.confirmTimeoutMs,
      pingIntervalMs: deps.linkPolicy.pingIntervalMs,
      // Base64 is 4 characters per 3 bytes.
      holdLimits: { maxAudioChars: media === 'none' ? 0 : Math.ceil((bytesPerMs(media.format) * MAX_HELD_AUDIO_MS * 4) / 3), maxEvents: 64 },
      configuresAudioFormats: media !== 'none',
    });
    this.#turns = new TurnTaking({
      edge: this.#edge,
      transport: this.#transport,
      config: this.#config,
      log: this.#log,
      onBargeIn: (cut) => this.#facts.publish('bargeIn', {
        sessionId: this.id, edge: this.#edge.kind, truncated: cut !== undefined, itemId: cut?.itemId, heardMs: cut?.audioEndMs,
      }),
      onTurnLatency: (latencyMs, itemId) => this.#facts.publish('turnLatency', { sessionId: this.id, itemId, latencyMs }),
      onCutByDrop: (cut) => this.#facts.publish('turnCut', { sessionId: this.id, itemId: cut.itemId, cutAtMs: cut.audioEndMs }),
    });
    this.#hangup = new HangupAfterGoodbye({ busy: () => this.#turns.busy(), hangUp: () => void this.end('agent_hangup') });
    this.#keypad = new KeypadEntry((digits) => this.#userText(keypadMessage(digits)));
    this.#session = new RealtimeSession<SessionContext>(this.#runtime.realtimeAgent(this.#agent, this.#state), {
      transport: this.#transport,
      model: this.#backend.model,
      context: { session: this, caller: this.#edge.caller },
      config: this.#config.config,
      tracingDisabled: true,
    });
    this.#mcp = new McpCalls({
      sessionId: this.id, edge: this.#edge, session: this.#session, log: this.#log, facts: this.#facts, server: (label) => this.#runtime.mcpServer(this.#agent, label),
    });
    this.#link = new BackendLink({
      target: this.#backend,
      transport: this.#transport,
      session: this.#session,
      config: this.#config,
      conversation: this.#conversation,
      currentAgent: () => this.#runtime.realtimeAgent(this.#agent, this.#state),
      owesAnswer: () => this.#cutByDrop || (this.#conversation.endsWithToolOutput() && this.#toolsRunning === 0),
      isQuiet: () => !this.#turns.busy() && this.#toolsRunning === 0,
      policy: deps.linkPolicy,
      log: this.#log,
      onReconnecting: (reason) => this.#onLinkDown(reason),
      onRestored: (reason, attempts) => this.#onLinkRestored(reason, attempts),
      onLost: (reason, attempts) => {
        this.#facts.publish('backendReconnect', { sessionId: this.id, reason, outcome: 'lost', attempts });
        void this.end('backend_lost');
      },
      onCallOver: () => void this.end('call_ended'),
    });
  }


  /** Connects the backend, tells the client it is live, and asks the agent to open the call. */
  async start(): Promise<void> {
    this.#wire();
    // A SIP call is accepted with the configuration the session is about to send.
    if (this.#edge.acceptCall) await this.#edge.acceptCall(await callAcceptParams(this.#session, this.#transport));
    try {
      await this.#link.open();
    } catch (err) {
      // The client left while the backend was being reached (its close ended the session): that
      // is a call abandoned, not a backend that failed.
      if (this.#lifecycle !== 'connecting') return;
      throw err;
    }
    if (this.#lifecycle !== 'connecting') return;
    this.#lifecycle = 'live';
    this.#liveSinceMs = performance.now();
    this.#facts.publish('sessionStarted', { sessionId: this.id, edge: this.#edge.kind, agent: this.#agent, state: this.#state, caller: this.#edge.caller });
    this.#edge.send({
      type: 'session.ready',
      session_id: this.id,
      agent: this.#agent,
      state: this.#state,
      mode: this.#turns.mode,
      graph: this.#runtime.graph(this.#agent),
    });
    this.#log.info({ agent: this.#agent, state: this.#state }, 'session live');
    this.#transport.requestResponse();
  }

  end(reason: string): Promise<void> {
    this.#ended ??= this.#close(reason);
    return this.#ended;
  }

  /** Asks the agent for a short goodbye, lets the listener hear it (a few seconds at most), then ends. */
  async farewell(reason: string): Promise<void> {
    if (this.#lifecycle === 'live' && !this.#link.restoring) {
      this.#turns.interrupt(true);
      // The SDK sends the request once a cancelled answer has ended: wait for this response's own end.
      const created = this.#nextServerEvent((e) => e.type === 'response.created', FAREWELL_MAX_MS);
      this.#transport.requestResponse({ instructions: FAREWELL, tool_choice: 'none' });
      const response = await created;
      if (response?.type === 'response.created') {
        const id = response.response.id;
        await this.#nextServerEvent((e) => e.type === 'response.done' && e.response.id === id, FAREWELL_MAX_MS);
      }
      const deadline = performance.now() + FAREWELL_MAX_MS;
      while (this.#turns.busy() && this.#lifecycle === 'live' && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    await this.end(reason);
  }

  /** The next server event that matches, or undefined after `timeoutMs` (or at the end of the session). */
  #nextServerEvent(match: (event: RealtimeServerEvent) => boolean, timeoutMs: number): Promise<RealtimeServerEvent | undefined> {
    return new Promise((resolve) => {
      const done = (event?: RealtimeServerEvent) => {
        clearTimeout(timer);
        this.#transport.off('*', listener);
        this.#edge.off('close', onClose);
        resolve(event);
      };
      const listener = (event: unknown) => {
        if (match(event as RealtimeServerEvent)) done(event as RealtimeServerEvent);
      };
      const onClose = () => done();
      const timer = setTimeout(done, timeoutMs);
      this.#transport.on('*', listener);
      this.#edge.once('close', onClose);
    });
  }

  // --- SessionCallbacks: tools run inside the SDK's function-call handling -------------------

  slots(): SlotValues {
    return this.#data.values;
  }

  /**
   * Configuration updates one at a time: tools of one response run concurrently, and a state move
   * and a tool's refresh must not both wait on the same `session.updated`.
   */
  #configUpdate<T>(send: () => Promise<T>): Promise<T> {
    const run = this.#updates.then(send, send);
    this.#updates = run.then(() => undefined, () => undefined);
    return run;
  }

  async callTool(tool: ToolDefinition, callId: string, rawArguments: string): Promise<string> {
    const { name } = tool;
    this.#edge.send({ type: 'tool.call', name, call_id: callId, arguments: rawArguments });
    this.#toolsRunning++;
    const version = this.#data.version;
    // A handler still running after its call timed out may not change the conversation any more.
    const over = new AbortController();
    const outcome = await runTool(
      tool, rawArguments,
      { sessionId: this.id, logger: this.#log, signal: this.#abort.signal, slots: this.#data.access(over.signal) },
      { defaultTimeoutMs: this.#toolTimeoutMs },
    ).finally(() => {
      over.abort();
      this.#toolsRunning--;
    });
    if (this.#data.version !== version) {
      this.#edge.send({ type: 'slots.changed', slots: this.#data.values });
      // The state's handoffs wait for its required values: re-send the configuration, before the
      // model has the result, so a handoff the tool just made possible is offered. Built when its
      // turn comes, so a state move that was in flight meanwhile is not undone.
      await this.#configUpdate(() => this.#link.updateAccepted(() => this.#session.updateAgent(this.#runtime.realtimeAgent(this.#agent, this.#state))));
    }
    this.#edge.send({
      type: 'tool.result', name, call_id: callId, output: outcome.output, error: !outcome.ok, duration_ms: outcome.durationMs,
    });
    this.#facts.publish('toolFinished', {
      sessionId: this.id, tool: name, ok: outcome.ok, durationMs: outcome.durationMs, errorCode: outcome.errorCode,
      callId, arguments: rawArguments, output: outcome.output,
    });
    return outcome.output;
  }

  async changeState(callId: string, rawArguments: string): Promise<string> {
    this.#edge.send({ type: 'tool.call', name: 'change_state', call_id: callId, arguments: rawArguments });
    const started = performance.now();
    const decision = this.#runtime.decide(this.#agent, this.#state, rawArguments, this.#data.values);
    let output: string;
    let moved = false;
    if (decision.ok) {
      const from = this.#state;
      // The move's values first: the new state's instructions list them as known.
      const before = this.#data.values;
      const collected = this.#data.merge(decision.values);
      // One session.update carrying the new state's instructions and tools; the state moves only
      // once the backend has it, so the gateway and the backend never disagree about it.
      moved = await this.#configUpdate(() => this.#link.updateAccepted(() => this.#session.updateAgent(this.#runtime.realtimeAgent(this.#agent, decision.to))));
      if (moved) {
        this.#state = decision.to;
        this.#log.info({ agent: this.#agent, from, to: this.#state }, 'state changed');
        this.#edge.send({ type: 'state.changed', from, to: this.#state, agent: this.#agent, slots: this.#data.values });
        if (collected) this.#edge.send({ type: 'slots.changed', slots: this.#data.values });
        this.#facts.publish('stateChanged', { sessionId: this.id, agent: this.#agent, from, to: this.#state, handoff: false, slots: this.#data.values });
        if (this.#runtime.endsCall(this.#agent, this.#state)) this.#hangup.arm();
        output = JSON.stringify({ ok: true, state: this.#state });
      } else {
        // The SDK now holds the refused agent as current: put the state the backend has back.
        if (collected && this.#data.revert(decision.values, before)) this.#edge.send({ type: 'slots.changed', slots: this.#data.values });
        await this.#configUpdate(() => this.#session.updateAgent(this.#runtime.realtimeAgent(this.#agent, this.#state)));
        this.#log.warn({ agent: this.#agent, from, to: decision.to }, 'the backend did not take the new state; staying');
        const error = new VgError('VG_ERR_TRANSITION_FAILED', `the backend did not take the configuration of ${decision.to}; the conversation stays in ${from}`);
        this.#edge.send(errorEvent(error));
        output = JSON.stringify({ ok: false, error: `${decision.to} could not be applied; you are still in ${from}. Go on from there.` });
      }
    } else {
      // The reason can quote a value the caller gave (personal data): debug only.
      this.#log.warn({ agent: this.#agent, state: this.#state }, 'transition refused');
      this.#log.debug({ reason: decision.reason }, 'transition refused: reason');
      output = JSON.stringify({ ok: false, error: decision.reason });
    }
    this.#edge.send({
      type: 'tool.result', name: 'change_state', call_id: callId, output, error: !moved,
      duration_ms: Math.round(performance.now() - started),
    });
    return output;
  }

  async transferCall(callId: string, rawArguments: string): Promise<string> {
    const name = TRANSFER_CALL_TOOL;
    this.#edge.send({ type: 'tool.call', name, call_id: callId, arguments: rawArguments });
    const started = performance.now();
    const outcome = await transferCall(this.#edge, this.#runtime.transferTarget(this.#agent), this.#log);
    this.#edge.send({
      type: 'tool.result', name, call_id: callId, output: outcome.output, error: !outcome.ok,
      duration_ms: Math.round(performance.now() - started),
    });
    // The caller has left for the person: this session is over once the SDK has the result.
    if (outcome.ok) setImmediate(() => void this.end('transferred'));
    return outcome.output;
  }

  // --- wiring ---------------------------------------------------------------------------------

  #wire(): void {
    this.#edge.on('audio', (pcm) => this.#onClientAudio(pcm));
    this.#edge.on('control', (message) => this.#onControl(message));
    this.#edge.on('close', (reason) => void this.end(reason));
    this.#transport.on('*', (raw: unknown) => this.#onRawServerEvent(raw));
    this.#session.on('agent_handoff', (_ctx, from, to) => this.#onHandoff(from.name, to.name));
    this.#session.on('error', ({ error }) => this.#log.warn({ err: error }, 'realtime session error'));
    this.#session.on('tool_approval_requested', (_ctx, _agent, request) => {
      if (request.type === 'mcp_approval_request') this.#mcp.approvalRequested(request.approvalItem);
    });
  }

  #onClientAudio(payload: string): void {
    if (this.#lifecycle === 'live') this.#turns.microphone(payload);
  }

  #onControl(message: ClientControl): void {
    if (this.#lifecycle !== 'live') return;
    switch (message.type) {
      case 'ptt.start': return this.#turns.press();
      case 'ptt.stop': return this.#turns.release();
      case 'input_text': return this.#userText(message.text);
      case 'dtmf': return this.#keypad.press(message.digit);
      case 'tool.approval': return this.#mcp.control(message);
      case 'mode': return this.#turns.setMode(message.mode);
      case 'hangup': void this.end('hangup'); return;
      case 'playback': return; // consumed by the edge itself
    }
  }

  /** A user turn as text (typed, or a keypad entry): it interrupts the agent like speech does. */
  #userText(text: string): void {
    if (this.#lifecycle !== 'live') return;
    this.#turns.interrupt(true);
    this.#session.sendMessage(text);
    this.#turns.userTurnEnded();
  }

  #onAgentAudio(chunk: AgentAudioChunk): void {
    if (this.#lifecycle !== 'live') return;
    const ms = this.#turns.agentAudio(chunk);
    if (ms === undefined) return;
    if (this.#downSinceMs !== undefined) {
      this.#log.info({ pause_ms: Math.round(performance.now() - this.#downSinceMs) }, 'agent heard again after the backend link was restored');
      this.#downSinceMs = undefined;
    }
    this.#conversation.agentAudio(chunk.itemId, ms);
    this.#config.pinVoice(this.#runtime.voice(this.#agent));
    this.#edge.sendAudio(chunk.payload);
  }

  #onLinkDown(reason: LinkDownReason): void {
    this.#downSinceMs ??= performance.now();
    this.#cutByDrop = this.#turns.connectionLost() || this.#cutByDrop;
    // A SIP call's conversation goes on at the service: its lines finish on the re-attached sideband.
    if (!this.#backend.resumes) this.#transcripts.connectionLost();
    if (reason === 'dropped') this.#edge.send({ type: 'backend.reconnecting' });
  }

  #onLinkRestored(reason: LinkDownReason, attempts: number): void {
    this.#cutByDrop = false;
    this.#facts.publish('backendReconnect', { sessionId: this.id, reason, outcome: 'restored', attempts });
    if (reason === 'dropped') this.#edge.send({ type: 'backend.restored' });
  }

  /** Every backend event enters here, checked before anything reads it. */
  #onRawServerEvent(raw: unknown): void {
    const checked = checkServerEvent(raw);
    if (checked.ok) {
      this.#onServerEvent(checked.event);
    } else if (!('ignored' in checked)) {
      this.#malformed(checked.problem);
    }
  }

  /** A backend event dropped as malformed: the first is logged at warn, the rest counted at debug. */
  #malformed(problem: string): void {
    this.#malformedEvents++;
    if (this.#malformedEvents === 1) this.#log.warn({ problem }, 'malformed backend event dropped');
    else this.#log.debug({ problem, count: this.#malformedEvents }, 'malformed backend event dropped');
  }

  #onServerEvent(event: RealtimeServerEvent): void {
    this.#link.serverEvent(event);
    const echo = this.#conversation.isRestoredEcho(event);
    this.#conversation.serverEvent(event);
    this.#turns.serverEvent(event);
    this.#hangup.serverEvent(event);
    if (echo) return;
    this.#mcp.serverEvent(event);
    switch (event.type) {
      case 'error':
        // A cancel that crossed the response's own end: the gateway's race, nothing the client did.
        if (event.error.code === 'response_cancel_not_active') {
          this.#log.debug('response.cancel arrived after the response ended');
          break;
        }
        this.#log.warn({ code: event.error.code, message: event.error.message }, 'backend error');
        // Before the session is live, or while its link is restored, a backend error is the link's
        // business (it fails or retries); the client gets the gateway's coded answer, not the
        // backend's words (a refused key is quoted in part).
        if (this.#lifecycle !== 'live' || this.#link.restoring) break;
        this.#edge.send({ type: 'error', code: `backend.${event.error.code ?? event.error.type}`, message: event.error.message });
        break;
      default:
        this.#transcripts.handle(event);
    }
  }

  #onHandoff(from: string, to: string): void {
    if (from === to) return; // a state move inside one agent (updateAgent)
    const fromState = this.#state;
    this.#agent = to;
    this.#state = this.#runtime.startState(to);
    const pinned = this.#config.pinnedVoice;
    // With no audio at the gateway (SIP) the voice is pinned from the start by design: nothing to warn about.
    if (pinned && pinned !== this.#runtime.voice(to) && this.#edge.media !== 'none') {
      this.#log.warn({ voice: pinned, wanted: this.#runtime.voice(to) }, 'voice kept: the backend cannot change it once audio exists');
    }
    this.#log.info({ from, to, state: this.#state }, 'handoff');
    this.#edge.send({ type: 'state.changed', from: fromState, to: this.#state, agent: to, graph: this.#runtime.graph(to), slots: this.#data.values });
    this.#facts.publish('stateChanged', { sessionId: this.id, agent: to, from: fromState, to: this.#state, handoff: true, slots: this.#data.values });
    if (this.#runtime.endsCall(to, this.#state)) this.#hangup.arm();
  }

  async #close(reason: string): Promise<void> {
    // edge.close() below emits the edge's 'close', which calls end() again before #ended is set.
    if (this.#lifecycle === 'closing' || this.#lifecycle === 'closed') return;
    const wasLive = this.#lifecycle === 'live' || this.#lifecycle === 'connecting';
    this.#lifecycle = 'closing';
    this.#abort.abort();
    this.#keypad.dispose();
    this.#hangup.dispose();
    this.#mcp.dispose();
    this.#link.close();
    try {
      this.#session.close();
    } catch (err) {
      this.#log.warn({ err }, 'closing the backend connection failed');
    }
    this.#edge.close(reason);
    this.#lifecycle = 'closed';
    if (wasLive) this.#log.info({ reason, agent: this.#agent, state: this.#state }, 'session ended');
    if (this.#liveSinceMs > 0) {
      this.#facts.publish('sessionEnded', {
        sessionId: this.id, edge: this.#edge.kind, reason, durationMs: Math.round(performance.now() - this.#liveSinceMs),
      });
    } else {
      this.#facts.publish('sessionNeverLive', {
        sessionId: this.id, edge: this.#edge.kind, caller: this.#edge.caller, reason,
        durationMs: Math.round(performance.now() - this.#createdAtMs),
      });
    }
  }
}
