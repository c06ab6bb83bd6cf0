import type { Logger } from 'pino';
import { RealtimeSession } from '@openai/agents/realtime';
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import type { ClientControl, EdgeTransport } from '../edges/edge.ts';
import type { AgentRuntime, SessionCallbacks, SessionContext } from './agent-runtime.ts';
import { GatewayTransport, type AgentAudioChunk } from './gateway-transport.ts';
import { PlaybackTracker } from './playback.ts';
import { TranscriptRelay } from './transcript-relay.ts';
import { runTool } from '../tools/run-tool.ts';
import type { ToolDefinition } from '../tools/tool.ts';
import { VgError, type ErrorCode } from '../errors.ts';
import { channels, publish } from '../observability/channels.ts';
import { errorEvent } from '../edges/errors.ts';

export interface BackendTarget {
  url: string;
  apiKey: string;
  model: string;
}

export interface VoiceSessionDeps {
  id: string;
  edge: EdgeTransport;
  runtime: AgentRuntime;
  backend: BackendTarget;
  toolTimeoutMs: number;
  log: Logger;
}

type Lifecycle = 'connecting' | 'live' | 'closing' | 'closed';
type Mode = 'vad' | 'ptt';

/** PCM16 24 kHz: 48 bytes per millisecond, on the edge and the backend alike. */
const BYTES_PER_MS = 48;
/** The backend refuses commits under 100 ms (input_audio_buffer_commit_empty). */
const MIN_COMMIT_MS = 100;

const PCM24K = { type: 'audio/pcm', rate: 24000 } as const;

interface SdkAudioConfig {
  audio: {
    input: { format: typeof PCM24K; transcription: { model: string }; turnDetection: typeof SERVER_VAD | null };
    output: { format: typeof PCM24K; voice?: string };
  };
}

/** Server VAD as the wire spells it; the SDK's config takes this spelling as it is. */
const SERVER_VAD = {
  type: 'server_vad',
  threshold: 0.5,
  prefix_padding_ms: 300,
  // Longer than the service's 200 ms default: callers pause while spelling names.
  silence_duration_ms: 500,
  create_response: true,
  interrupt_response: true,
} as const;

/**
 * One call: binds one edge to one Realtime backend connection through the Agents SDK. Owns
 * push-to-talk, barge-in (cancel + truncate at what the listener heard), the conversation state,
 * and what the client is told. Audio frames bypass the SDK both ways (GatewayTransport).
 */
export class VoiceSession implements SessionCallbacks {
  readonly id: string;
  readonly #edge: EdgeTransport;
  readonly #runtime: AgentRuntime;
  readonly #toolTimeoutMs: number;
  /** Aborted when the session ends, so running tool handlers stop their I/O. */
  readonly #abort = new AbortController();
  readonly #log: Logger;
  readonly #backend: BackendTarget;
  readonly #transport: GatewayTransport;
  readonly #session: RealtimeSession<SessionContext>;
  /**
   * The SDK merges this object into every full session.update it sends (connect, state moves,
   * handoffs); it is mutated in place so the turn mode and a locked voice survive them.
   */
  readonly #config: SdkAudioConfig;
  readonly #playback = new PlaybackTracker();
  readonly #transcripts: TranscriptRelay;

  #lifecycle: Lifecycle = 'connecting';
  #agent: string;
  #state: string;
  #mode: Mode = 'vad';
  #pressed = false;
  #pressedAudioMs = 0;
  #activeResponse: string | undefined;
  #ended: Promise<void> | undefined;
  #liveSinceMs = 0;

  constructor(deps: VoiceSessionDeps) {
    this.id = deps.id;
    this.#edge = deps.edge;
    this.#runtime = deps.runtime;
    this.#toolTimeoutMs = deps.toolTimeoutMs;
    this.#backend = deps.backend;
    this.#log = deps.log;
    this.#agent = this.#runtime.startAgent;
    this.#state = this.#runtime.startState(this.#agent);
    this.#transcripts = new TranscriptRelay(this.#edge);
    this.#config = {
      audio: {
        input: { format: PCM24K, transcription: { model: 'gpt-4o-mini-transcribe' }, turnDetection: SERVER_VAD },
        output: { format: PCM24K },
      },
    };
    this.#transport = new GatewayTransport({
      url: this.#backend.url,
      onAudio: (chunk) => this.#onAgentAudio(chunk),
      onInterrupt: (cancel) => this.#interrupt(cancel),
    });
    this.#session = new RealtimeSession<SessionContext>(this.#runtime.realtimeAgent(this.#agent, this.#state), {
      transport: this.#transport,
      model: this.#backend.model,
      context: { session: this },
      config: this.#config,
      tracingDisabled: true,
    });
  }

  /** Connects the backend, tells the client it is live, and asks the agent to open the call. */
  async start(): Promise<void> {
    this.#wire();
    await this.#session.connect({ apiKey: this.#backend.apiKey, url: this.#backend.url });
    if (this.#lifecycle !== 'connecting') return;
    this.#lifecycle = 'live';
    this.#liveSinceMs = performance.now();
    publish(channels.sessionStarted, { sessionId: this.id, edge: this.#edge.kind });
    this.#edge.send({
      type: 'session.ready',
      session_id: this.id,
      agent: this.#agent,
      state: this.#state,
      mode: this.#mode,
      graph: this.#runtime.graph(this.#agent),
    });
    this.#log.info({ agent: this.#agent, state: this.#state }, 'session live');
    this.#transport.requestResponse();
  }

  end(reason: string): Promise<void> {
    this.#ended ??= this.#close(reason);
    return this.#ended;
  }

  // --- SessionCallbacks: tools run inside the SDK's function-call handling -------------------

  async callTool(tool: ToolDefinition, callId: string, rawArguments: string): Promise<string> {
    const { name } = tool;
    this.#edge.send({ type: 'tool.call', name, call_id: callId, arguments: rawArguments });
    const outcome = await runTool(
      tool, rawArguments,
      { sessionId: this.id, logger: this.#log, signal: this.#abort.signal },
      { defaultTimeoutMs: this.#toolTimeoutMs },
    );
    this.#edge.send({
      type: 'tool.result', name, call_id: callId, output: outcome.output, error: !outcome.ok, duration_ms: outcome.durationMs,
    });
    publish(channels.toolFinished, {
      sessionId: this.id, tool: name, ok: outcome.ok, durationMs: outcome.durationMs, errorCode: outcome.errorCode,
    });
    return outcome.output;
  }

  async changeState(callId: string, rawArguments: string): Promise<string> {
    this.#edge.send({ type: 'tool.call', name: 'change_state', call_id: callId, arguments: rawArguments });
    const started = performance.now();
    const decision = this.#runtime.decide(this.#agent, this.#state, rawArguments);
    let output: string;
    if (decision.ok) {
      const from = this.#state;
      this.#state = decision.to;
      // One session.update carrying the new state's instructions and tools.
      await this.#session.updateAgent(this.#runtime.realtimeAgent(this.#agent, this.#state));
      this.#log.info({ agent: this.#agent, from, to: this.#state }, 'state changed');
      this.#edge.send({ type: 'state.changed', from, to: this.#state, agent: this.#agent });
      publish(channels.stateChanged, { sessionId: this.id, agent: this.#agent, from, to: this.#state, handoff: false });
      output = JSON.stringify({ ok: true, state: this.#state });
    } else {
      this.#log.warn({ agent: this.#agent, state: this.#state, reason: decision.reason }, 'transition refused');
      output = JSON.stringify({ ok: false, error: decision.reason });
    }
    this.#edge.send({
      type: 'tool.result', name: 'change_state', call_id: callId, output, error: !decision.ok,
      duration_ms: Math.round(performance.now() - started),
    });
    return output;
  }

  // --- wiring ---------------------------------------------------------------------------------

  #wire(): void {
    this.#edge.on('audio', (pcm) => this.#onClientAudio(pcm));
    this.#edge.on('control', (message) => this.#onControl(message));
    this.#edge.on('close', (reason) => void this.end(reason));
    this.#transport.on('*', (event) => this.#onServerEvent(event as RealtimeServerEvent));
    this.#transport.on('connection_change', (status) => {
      if (status === 'disconnected' && this.#lifecycle === 'live') void this.end('backend_closed');
    });
    this.#session.on('agent_handoff', (_ctx, from, to) => this.#onHandoff(from.name, to.name));
    this.#session.on('error', ({ error }) => this.#log.warn({ err: error }, 'realtime session error'));
  }

  #onClientAudio(pcm: Buffer): void {
    if (this.#lifecycle !== 'live') return;
    if (this.#mode === 'ptt') {
      if (!this.#pressed) return;
      this.#pressedAudioMs += pcm.length / BYTES_PER_MS;
    }
    this.#transport.appendAudio(pcm);
  }

  #onControl(message: ClientControl): void {
    if (this.#lifecycle !== 'live') return;
    switch (message.type) {
      case 'ptt.start': return this.#pressToTalk();
      case 'ptt.stop': return this.#releaseToTalk();
      case 'input_text':
        this.#interrupt(true);
        this.#session.sendMessage(message.text);
        return;
      case 'mode': return this.#setMode(message.mode);
      case 'hangup': void this.end('hangup'); return;
      case 'playback': return; // consumed by the edge itself
    }
  }

  #pressToTalk(): void {
    if (this.#mode !== 'ptt') this.#setMode('ptt');
    this.#interrupt(true);
    this.#transport.sendEvent({ type: 'input_audio_buffer.clear' });
    this.#pressed = true;
    this.#pressedAudioMs = 0;
  }

  #releaseToTalk(): void {
    if (!this.#pressed) {
      this.#sendError('VG_ERR_PTT_NOT_PRESSED', 'ptt.stop without a ptt.start');
      return;
    }
    this.#pressed = false;
    if (this.#pressedAudioMs < MIN_COMMIT_MS) {
      this.#transport.sendEvent({ type: 'input_audio_buffer.clear' });
      this.#sendError(
        'VG_ERR_PTT_TOO_SHORT',
        `held for ${Math.round(this.#pressedAudioMs)} ms of audio; at least ${MIN_COMMIT_MS} ms is needed`,
      );
      return;
    }
    this.#transport.sendEvent({ type: 'input_audio_buffer.commit' });
    this.#transport.requestResponse();
  }

  #setMode(mode: Mode): void {
    if (mode !== this.#mode) {
      this.#mode = mode;
      this.#pressed = false;
      this.#config.audio.input.turnDetection = mode === 'ptt' ? null : SERVER_VAD;
      // A partial update: only turn detection changes (null = push-to-talk).
      this.#transport.sendEvent({
        type: 'session.update',
        session: { type: 'realtime', audio: { input: { turn_detection: this.#config.audio.input.turnDetection } } },
      });
      this.#log.info({ mode }, 'turn mode changed');
    }
    this.#edge.send({ type: 'mode', mode });
  }

  /** Barge-in: stop the listener's playback, cut the answer, and truncate at what was heard. */
  #interrupt(cancel: boolean): void {
    const truncation = this.#playback.interrupt(this.#edge.playedMs());
    publish(channels.bargeIn, { sessionId: this.id, edge: this.#edge.kind, truncated: truncation !== undefined });
    if (cancel && this.#activeResponse) this.#transport._cancelResponse();
    this.#edge.clearAudio();
    if (truncation) {
      this.#transport.sendEvent({
        type: 'conversation.item.truncate',
        item_id: truncation.itemId,
        content_index: truncation.contentIndex,
        audio_end_ms: truncation.audioEndMs,
      });
      this.#log.debug({ item: truncation.itemId, audio_end_ms: truncation.audioEndMs }, 'agent audio truncated');
    }
  }

  #onAgentAudio(chunk: AgentAudioChunk): void {
    if (this.#lifecycle !== 'live') return;
    const ms = chunk.audio.length / BYTES_PER_MS;
    if (!this.#playback.record(chunk.responseId, chunk.itemId, chunk.contentIndex, ms)) return;
    // The backend locks the voice once audio exists; later updates (handoffs) must keep it.
    this.#config.audio.output.voice ??= this.#runtime.voice(this.#agent);
    this.#edge.sendAudio(chunk.audio);
  }

  #onServerEvent(event: RealtimeServerEvent): void {
    switch (event.type) {
      case 'response.created':
        if (event.response.conversation_id !== null) this.#activeResponse = event.response.id;
        break;
      case 'response.done':
        if (this.#activeResponse === event.response.id) this.#activeResponse = undefined;
        if (event.response.id) this.#playback.responseDone(event.response.id);
        break;
      case 'error':
        this.#log.warn({ code: event.error.code, message: event.error.message }, 'backend error');
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
    const pinned = this.#config.audio.output.voice;
    if (pinned && pinned !== this.#runtime.voice(to)) {
      this.#log.warn({ voice: pinned, wanted: this.#runtime.voice(to) }, 'voice kept: the backend cannot change it once audio exists');
    }
    this.#log.info({ from, to, state: this.#state }, 'handoff');
    this.#edge.send({ type: 'state.changed', from: fromState, to: this.#state, agent: to, graph: this.#runtime.graph(to) });
    publish(channels.stateChanged, { sessionId: this.id, agent: to, from: fromState, to: this.#state, handoff: true });
  }

  #sendError(code: ErrorCode, detail: string): void {
    this.#edge.send(errorEvent(new VgError(code, detail)));
  }

  async #close(reason: string): Promise<void> {
    // edge.close() below emits the edge's 'close', which calls end() again before #ended is set.
    if (this.#lifecycle === 'closing' || this.#lifecycle === 'closed') return;
    const wasLive = this.#lifecycle === 'live' || this.#lifecycle === 'connecting';
    this.#lifecycle = 'closing';
    this.#abort.abort();
    try {
      this.#session.close();
    } catch (err) {
      this.#log.warn({ err }, 'closing the backend connection failed');
    }
    this.#edge.close(reason);
    this.#lifecycle = 'closed';
    if (wasLive) this.#log.info({ reason, agent: this.#agent, state: this.#state }, 'session ended');
    if (this.#liveSinceMs > 0) {
      publish(channels.sessionEnded, {
        sessionId: this.id, edge: this.#edge.kind, reason, durationMs: Math.round(performance.now() - this.#liveSinceMs),
      });
    }
  }
}
