import { FAREWELL, FAREWELL_MAX_MS, type CallSessionDeps } from './call-session.ts';
import type { Logger } from 'pino';
import { RealtimeSession } from '@openai/agents/realtime';
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import type { ClientControl, EdgeTransport } from '../edges/edge.ts';
import { bytesPerMs } from '../audio/format.ts';
import type { AgentRuntime, SessionContext } from './agent-runtime.ts';
import { BackendLink, type BackendTarget, type LinkDownReason } from './backend-link.ts';
import { ConversationLog } from './conversation-log.ts';
import { checkServerEvent } from './server-event-check.ts';
import { GatewayTransport, type AgentAudioChunk } from './gateway-transport.ts';
import { KeypadEntry, keypadMessage } from './keypad.ts';
import { McpCalls } from './mcp-calls.ts';
import { SdkSessionConfig } from './sdk-session-config.ts';
import { callAcceptParams } from './call-accept.ts';
import { errorEvent } from '../edges/errors.ts';
import { VgError } from '../errors.ts';
import { FailedResponses } from './failed-responses.ts';
import { HangupAfterGoodbye } from './hangup-after-goodbye.ts';
import { TranscriptRelay } from './transcript-relay.ts';
import { TurnTaking } from './turn-taking.ts';
import type { FactSink } from '../observability/session-facts.ts';
import { ToolCalls } from './tool-calls.ts';

export type VoiceSessionDeps = CallSessionDeps;

/** Caller audio kept while the backend link is restored; beyond it the caller is asked to repeat. */
const MAX_HELD_AUDIO_MS = 10_000;

type Lifecycle = 'connecting' | 'live' | 'closing' | 'closed';

/**
 * One call: binds one edge to one Realtime backend connection through the Agents SDK. Owns the
 * lifecycle and what the client is told; tool calls, state moves and handoffs are ToolCalls',
 * turn taking is TurnTaking's. Audio frames bypass the SDK both ways (GatewayTransport), as base64
 * payloads in the edge's own format, which the backend is configured to speak.
 */
export class VoiceSession {
  readonly id: string;
  readonly #edge: EdgeTransport;
  readonly #runtime: AgentRuntime;
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
  readonly #tools: ToolCalls;
  readonly #link: BackendLink;
  readonly #hangup: HangupAfterGoodbye;
  readonly #failed: FailedResponses;
  /** The farewell is under way (a drain, MAX_CALL_S): its response is not retried. */
  #sayingGoodbye = false;
  readonly #mcp: McpCalls;

  #lifecycle: Lifecycle = 'connecting';
  #malformedEvents = 0;
  /** Set when the link dropped while the agent was answering: the restored agent picks up. */
  #cutByDrop = false;
  /** When the link went down, until the agent is heard again (the pause a caller notices). */
  #downSinceMs: number | undefined;
  #ended: Promise<void> | undefined;
  #liveSinceMs = 0;
  readonly #createdAtMs = performance.now();

  constructor(deps: VoiceSessionDeps) {
    this.id = deps.id;
    this.#edge = deps.edge;
    this.#runtime = deps.runtime;
    this.#backend = deps.backend;
    this.#log = deps.log;
    this.#facts = deps.facts;
    this.#transcripts = new TranscriptRelay(this.#edge, this.id, this.#facts);
    this.#tools = new ToolCalls({
      sessionId: this.id, edge: this.#edge, runtime: this.#runtime, toolTimeoutMs: deps.toolTimeoutMs, log: this.#log, facts: this.#facts,
      target: {
        configure: (agent, state) => this.#link.updateAccepted(() => this.#session.updateAgent(this.#runtime.realtimeAgent(agent, state))),
        // The SDK holds the refused agent as current: put the one the backend has back.
        stay: (agent, state) => this.#session.updateAgent(this.#runtime.realtimeAgent(agent, state)),
      },
      endsCall: () => this.#hangup.arm(),
      transferred: () => void this.end('transferred'),
    });
    const { media } = this.#edge;
    this.#config = new SdkSessionConfig(media === 'none' ? 'none' : media.format);
    // With no audio at the gateway it cannot see the first audio play: the voice is fixed from the
    // start, so a handoff's session.update never changes it (cannot_update_voice).
    if (media === 'none') this.#config.pinVoice(this.#runtime.voice(this.#tools.agent));
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
    this.#failed = new FailedResponses({
      log: this.#log,
      // A restore owes the answer itself once the link is back.
      retry: () => {
        if (!this.#link.restoring) this.#transport.requestResponse();
      },
      giveUp: () => void this.end('backend_unavailable'),
      tell: (code) => this.#edge.send(errorEvent(new VgError('VG_ERR_BACKEND', `the voice backend could not answer (${code})`))),
    });
    this.#keypad = new KeypadEntry((digits) => this.#userText(keypadMessage(digits)));
    this.#session = new RealtimeSession<SessionContext>(this.#runtime.realtimeAgent(this.#tools.agent, this.#tools.state), {
      transport: this.#transport,
      model: this.#backend.model,
      context: { session: this.#tools, caller: this.#edge.caller },
      config: this.#config.config,
      tracingDisabled: true,
    });
    this.#mcp = new McpCalls({
      sessionId: this.id, edge: this.#edge, session: this.#session, log: this.#log, facts: this.#facts, server: (label) => this.#runtime.mcpServer(this.#tools.agent, label),
    });
    this.#link = new BackendLink({
      target: this.#backend,
      transport: this.#transport,
      session: this.#session,
      config: this.#config,
      conversation: this.#conversation,
      currentAgent: () => this.#runtime.realtimeAgent(this.#tools.agent, this.#tools.state),
      owesAnswer: () => this.#cutByDrop || (this.#conversation.endsWithToolOutput() && this.#tools.running === 0),
      isQuiet: () => !this.#turns.busy() && this.#tools.running === 0,
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
    this.#facts.publish('sessionStarted', { sessionId: this.id, edge: this.#edge.kind, agent: this.#tools.agent, state: this.#tools.state, caller: this.#edge.caller });
    this.#edge.send({
      type: 'session.ready',
      session_id: this.id,
      agent: this.#tools.agent,
      state: this.#tools.state,
      mode: this.#turns.mode,
      graph: this.#runtime.graph(this.#tools.agent),
    });
    this.#log.info({ agent: this.#tools.agent, state: this.#tools.state }, 'session live');
    this.#transport.requestResponse();
  }

  end(reason: string): Promise<void> {
    this.#ended ??= this.#close(reason);
    return this.#ended;
  }

  /** Asks the agent for a short goodbye, lets the listener hear it (a few seconds at most), then ends. */
  async farewell(reason: string): Promise<void> {
    this.#sayingGoodbye = true;
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
    this.#config.pinVoice(this.#runtime.voice(this.#tools.agent));
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
    // A goodbye that fails is not asked again as an ordinary turn: the call ends anyway.
    if (this.#lifecycle === 'live' && !this.#sayingGoodbye) this.#failed.serverEvent(event);
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
      case 'input_audio_buffer.dtmf_event_received':
        // A SIP caller's keypad reaches the backend, not the gateway's edge: the same entries as a Twilio call's.
        if (this.#lifecycle === 'live') this.#keypad.press(event.event);
        break;
      default:
        this.#transcripts.handle(event);
    }
  }

  /** The SDK handed the call to another agent (it has sent the new configuration itself). */
  #onHandoff(from: string, to: string): void {
    if (from === to) return; // a state move inside one agent (updateAgent)
    const pinned = this.#config.pinnedVoice;
    // With no audio at the gateway (SIP) the voice is pinned from the start by design: nothing to warn about.
    if (pinned && pinned !== this.#runtime.voice(to) && this.#edge.media !== 'none') {
      this.#log.warn({ voice: pinned, wanted: this.#runtime.voice(to) }, 'voice kept: the backend cannot change it once audio exists');
    }
    this.#tools.handedOff(to);
  }

  async #close(reason: string): Promise<void> {
    // edge.close() below emits the edge's 'close', which calls end() again before #ended is set.
    if (this.#lifecycle === 'closing' || this.#lifecycle === 'closed') return;
    const wasLive = this.#lifecycle === 'live' || this.#lifecycle === 'connecting';
    this.#lifecycle = 'closing';
    this.#tools.close();
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
    if (wasLive) this.#log.info({ reason, agent: this.#tools.agent, state: this.#tools.state }, 'session ended');
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
