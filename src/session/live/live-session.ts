import type { Logger } from 'pino';
import type { AudioFormat as LiveAudioFormat, ServerEvent, SessionConfig, SessionUpdateConfig } from 'openai/resources/live/live';
import { bytesPerMs, formatType, type AudioFormat } from '../../audio/format.ts';
import type { ClientControl, EdgeTransport } from '../../edges/edge.ts';
import { TRANSFER_CALL_TOOL, CHANGE_STATE_TOOL } from '../../engine/transition-tools.ts';
import type { FactSink } from '../../observability/session-facts.ts';
import type { AgentRuntime } from '../agent-runtime.ts';
import { FAREWELL, FAREWELL_MAX_MS, type CallSessionDeps } from '../call-session.ts';
import { HangupAfterGoodbye } from '../hangup-after-goodbye.ts';
import { KeypadEntry, keypadMessage } from '../keypad.ts';
import { ToolCalls } from '../tool-calls.ts';
import { LiveLink } from './live-link.ts';
import { LiveMcp } from './live-mcp.ts';
import { LiveRecap, withRecap } from './live-recap.ts';
import { restoreLiveLink } from './live-restore.ts';
import { LiveToolRound, type LiveToolCall } from './live-tool-round.ts';
import { LiveTranscripts } from './live-transcripts.ts';
import { LiveTurns } from './live-turns.ts';

export type LiveSessionDeps = CallSessionDeps;

/** The delegation backend's model when the target names none. */
export const DEFAULT_DELEGATION_MODEL = 'gpt-5.1';

/** How the agent opens the call: GPT-Live has no `response.create` for the voice (§7), so it is told to speak. */
const OPEN_CALL = 'The call has just connected. Greet the caller now, as the current step says, and wait for their answer.';

/** After a restore, when the drop cut the agent off or left the caller unanswered. */
const PICK_UP = 'The line dropped for a moment and is back. Without greeting again, pick up where the conversation was: answer the caller, or briefly finish what you were saying.';

/** Caller audio held while the backend link is restored, as on Realtime. */
const MAX_HELD_AUDIO_MS = 10_000;
/** A tool result that lands while the line is down reaches the new session at most this long. */
const MAX_ORPHAN_OUTPUT_CHARS = 1_000;
/** An append is at most 500 tokens (§3.1): what the recap gained after a restore, clipped to fit. */
const MAX_APPEND_CHARS = 1_600;
const ASK_TO_REPEAT = 'The line dropped for a moment and part of what the caller said was lost. Briefly ask them to repeat it.';
/** Restores one call may take: a backend that starts sessions and drops them at once must not loop for ever. */
const MAX_RESTORES = 10;
/** `session.closed` reasons after which the call is over, not the connection (no new session). */
const FINAL_CLOSE: ReadonlyMap<string, string> = new Map([['content', 'content_policy'], ['remote_hangup', 'call_ended']]);

type Lifecycle = 'connecting' | 'live' | 'closing' | 'closed';

/**
 * One call on GPT-Live: the same edges, agents, states and tools as on Realtime, with the voice
 * model speaking and the Responses delegation backend holding the state machine. Each move or
 * handoff re-configures the backend (`session.update`), and is announced to the voice model
 * (`session.instructions.append`); function calls come back inside `response.event` and run
 * through the same tool layer as on Realtime (ToolCalls).
 */
export class LiveVoiceSession {
  readonly id: string;
  readonly #edge: EdgeTransport;
  readonly #runtime: AgentRuntime;
  readonly #log: Logger;
  readonly #facts: FactSink;
  readonly #createdAtMs = performance.now();
  readonly #link: LiveLink;
  readonly #turns: LiveTurns;
  readonly #round: LiveToolRound;
  readonly #mcp: LiveMcp;
  readonly #tools: ToolCalls;
  readonly #transcripts: LiveTranscripts;
  readonly #keypad: KeypadEntry;
  readonly #hangup: HangupAfterGoodbye;
  readonly #delegationModel: string;
  readonly #model: string;
  readonly #recap = new LiveRecap();
  readonly #linkPolicy: LiveSessionDeps['linkPolicy'];
  /** Aborted when the call ends: a restore in progress stops. */
  readonly #stop = new AbortController();
  /** Since the link dropped, until it is back (or the call ends). */
  #restoring = false;
  #restores = 0;
  /** The recap's version the current session has heard (its start configuration or a later catch-up). */
  #recapHeard = 0;
  /** The voice the call started with: GPT-Live cannot change it, so a new session keeps it too. */
  #voice: string | undefined;
  #lifecycle: Lifecycle = 'connecting';
  #ended: Promise<void> | undefined;
  #liveSinceMs = 0;
  /** Since when the agent's next turn is its goodbye (performance clock). */
  #goodbyeAskedAtMs: number | undefined;

  constructor(deps: LiveSessionDeps) {
    this.id = deps.id;
    this.#edge = deps.edge;
    this.#runtime = deps.runtime;
    this.#log = deps.log;
    this.#facts = deps.facts;
    this.#delegationModel = deps.backend.delegationModel ?? DEFAULT_DELEGATION_MODEL;
    this.#model = deps.backend.model;
    this.#linkPolicy = deps.linkPolicy;
    this.#tools = new ToolCalls({
      sessionId: this.id, edge: this.#edge, runtime: this.#runtime, toolTimeoutMs: deps.toolTimeoutMs, log: this.#log, facts: this.#facts,
      target: {
        configure: (agent, state) => this.#configure(agent, state),
        announce: ({ handoff, agent, state }) => {
          this.#recap.add('note', handoff ? `the call was handed to ${agent}` : `moved to step ${state}`);
          if (handoff) this.#transcripts.breakLines();
          this.#link.send({
            type: 'session.instructions.append', delegation_id: null, content: handoff ? this.#runtime.live.handedTo(agent) : this.#runtime.live.movedTo(agent, state),
          });
        },
      },
      endsCall: () => this.#armHangup(),
      transferred: () => void this.end('transferred'),
    });
    const media = deps.edge.media;
    this.#link = new LiveLink({
      target: deps.backend,
      confirmTimeoutMs: deps.linkPolicy.confirmTimeoutMs,
      pingIntervalMs: deps.linkPolicy.pingIntervalMs,
      log: deps.log,
      maxHeldAudioChars: media === 'none' ? 0 : Math.ceil((bytesPerMs(media.format) * MAX_HELD_AUDIO_MS * 4) / 3),
      onEvent: (event) => this.#onServerEvent(event),
      onLost: (detail, closedReason) => this.#onLinkLost(detail, closedReason),
      onStarted: () => this.#turns.sessionStarted(),
      onKeypad: (key) => {
        if (this.#lifecycle === 'live') this.#keypad.press(key);
      },
    });
    this.#turns = new LiveTurns({
      edge: this.#edge,
      link: this.#link,
      log: this.#log,
      onBargeIn: () => this.#facts.publish('bargeIn', { sessionId: this.id, edge: this.#edge.kind, truncated: false }),
      onTurnLatency: (latencyMs, itemId) => this.#facts.publish('turnLatency', { sessionId: this.id, itemId, latencyMs }),
    });
    this.#mcp = new LiveMcp({
      sessionId: this.id, edge: this.#edge, facts: this.#facts, log: this.#log,
      server: (label) => this.#runtime.mcpServer(this.#tools.agent, label),
    });
    this.#round = new LiveToolRound({
      run: (call) => this.#runCall(call), send: (event) => this.#link.send(event), log: this.#log, mcp: this.#mcp,
      orphaned: (call, output) => this.#orphanedOutput(call.name, output),
    });
    this.#transcripts = new LiveTranscripts(
      this.#edge, this.id, this.#facts,
      (segmentId, startedAtMs) => this.#assistantTurnEnded(segmentId, startedAtMs),
      (role, text) => this.#recap.add(role, text),
    );
    this.#keypad = new KeypadEntry((digits) => this.#userText(keypadMessage(digits)));
    this.#hangup = new HangupAfterGoodbye({ busy: () => this.#turns.busy(), hangUp: () => void this.end('agent_hangup') });
  }

  /** Starts the Live session with the start agent's voice and state, tells the client, and has the agent open the call. */
  async start(): Promise<void> {
    const config = this.#sessionConfig();
    // A SIP call is answered with the same startup config (no format: SIP negotiates it), then attached.
    if (this.#edge.acceptLiveCall) await this.#edge.acceptLiveCall({ type: 'live', ...config });
    // Ended while the accept was on its way: the edge hangs the call up; no sideband is attached.
    if (this.#lifecycle !== 'connecting') return;
    await this.#link.open(config);
    if (this.#lifecycle !== 'connecting') return;
    this.#wire();
    this.#lifecycle = 'live';
    this.#liveSinceMs = performance.now();
    this.#facts.publish('sessionStarted', { sessionId: this.id, edge: this.#edge.kind, agent: this.#tools.agent, state: this.#tools.state, caller: this.#edge.caller });
    this.#edge.send({ type: 'session.ready', session_id: this.id, agent: this.#tools.agent, state: this.#tools.state, mode: this.#turns.mode, graph: this.#runtime.graph(this.#tools.agent) });
    this.#log.info({ agent: this.#tools.agent, state: this.#tools.state, api: 'live' }, 'session live');
    this.#link.send({ type: 'session.commentary.append', delegation_id: null, content: OPEN_CALL });
  }

  end(reason: string): Promise<void> {
    this.#ended ??= this.#close(reason);
    return this.#ended;
  }

  /** Asks the agent for a short goodbye and lets it be heard (a few seconds at most), then ends. */
  async farewell(reason: string): Promise<void> {
    // While the line is being restored no goodbye can be heard: the call ends at once.
    if (this.#lifecycle === 'live' && !this.#restoring) {
      this.#goodbyeAskedAtMs = performance.now();
      this.#link.send({ type: 'session.commentary.append', delegation_id: null, content: FAREWELL });
      const deadline = performance.now() + FAREWELL_MAX_MS;
      while (this.#goodbyeAskedAtMs !== undefined && this.#lifecycle === 'live' && performance.now() < deadline) await sleep(50);
      while (this.#turns.busy() && this.#lifecycle === 'live' && performance.now() < deadline) await sleep(50);
    }
    await this.end(reason);
  }

  #backendState(agent = this.#tools.agent, state = this.#tools.state) {
    return this.#runtime.live.backendState(agent, state, this.#edge.caller, this.#tools.slots());
  }

  /** A session's startup configuration for where the call is now: the call's voice, the state on the backend, what was said. */
  #sessionConfig(): SessionConfig {
    const { agent } = this.#tools;
    const format = liveFormat(this.#edge.media === 'none' ? undefined : this.#edge.media.format);
    const backend = this.#backendState();
    this.#voice ??= this.#runtime.voice(agent);
    this.#recapHeard = this.#recap.version;
    // A re-attached sideband is the same session: it has the conversation, no recap needed.
    const recap = this.#link.resumes ? new LiveRecap() : this.#recap;
    return {
      model: this.#model,
      instructions: withRecap(this.#runtime.live.voiceInstructions(agent), recap),
      audio: { ...(format ? { format } : {}), output: { voice: this.#voice } },
      delegation: {
        type: 'responses',
        responses: { model: this.#delegationModel, instructions: withRecap(backend.instructions, recap), tools: backend.tools, tool_choice: 'auto' },
      },
    };
  }

  /**
   * The backend connection dropped: a new session is opened for where the call is (state, voice,
   * what was said), with the Realtime link's back-off; meanwhile the caller's audio is held.
   */
  #onLinkLost(detail: string, closedReason: string | undefined): void {
    // A sideband's session lives at the service: a close it announced (an expiry, say) is the end, only a lost socket is retried.
    const sidebandOver = this.#link.resumes && closedReason !== undefined && closedReason !== 'connection_lost';
    const final = closedReason === undefined ? undefined : FINAL_CLOSE.get(closedReason) ?? (sidebandOver ? 'backend_lost' : undefined);
    if (this.#lifecycle !== 'live' || this.#restoring || final || this.#restores >= MAX_RESTORES) {
      this.#log.warn({ detail, closedReason, restores: this.#restores }, 'the Live backend connection ended');
      void this.end(final ?? 'backend_lost');
      return;
    }
    // An expiry is the session's time limit (GPT-Live warns of none): a rollover, counted as such.
    const reason = closedReason === 'expired' ? 'rollover' : 'dropped';
    this.#log.warn({ detail, closedReason }, 'the Live backend connection ended; restoring');
    this.#restoring = true;
    this.#restores++;
    const cutOff = this.#turns.agentSpeaking();
    // A SIP call's sideband re-attaches to the same session: its calls and timeline go on there.
    const resumes = this.#link.resumes;
    if (!resumes) {
      this.#round.connectionLost();
      this.#transcripts.breakLines();
    }
    this.#edge.send({ type: 'backend.reconnecting' });
    void restoreLiveLink({
      link: this.#link, policy: this.#linkPolicy, log: this.#log, signal: this.#stop.signal,
      config: () => this.#sessionConfig(),
      onRestored: (attempts) => {
        this.#restoring = false;
        this.#facts.publish('backendReconnect', { sessionId: this.id, reason, outcome: 'restored', attempts });
        this.#edge.send({ type: 'backend.restored' });
        if (resumes) return;
        // The voice's instructions are the agent's own: the step it is on goes again as an append.
        const { agent, state } = this.#tools;
        if (agent !== this.#runtime.startAgent) this.#appendInstructions(this.#runtime.live.handedTo(agent));
        this.#appendInstructions(this.#runtime.live.movedTo(agent, state));
        this.#catchUp();
        if (this.#link.takeDroppedAudio()) this.#speakNow(ASK_TO_REPEAT);
        else if (cutOff || this.#recap.lastSpeaker === 'user') this.#speakNow(PICK_UP);
      },
      onLost: (attempts) => {
        this.#facts.publish('backendReconnect', { sessionId: this.id, reason, outcome: 'lost', attempts });
        void this.end('backend_lost');
      },
    });
  }

  /** A tool finished after its session was lost: the new session learns its result, both models, and the caller hears it. */
  #orphanedOutput(tool: string, output: string): void {
    this.#recap.add('note', `before the line dropped, ${tool} returned ${output.slice(0, MAX_ORPHAN_OUTPUT_CHARS)}`);
    // While restoring, the next session's configuration (or the catch-up after it starts) carries it.
    if (this.#restoring || this.#lifecycle !== 'live') return;
    this.#catchUp();
    this.#speakNow('Tell the caller what that result means for them now.');
  }

  /** What the recap gained since the current session heard it (during a restore attempt, after): to the voice and the backend. */
  #catchUp(): void {
    const lines = this.#recap.since(this.#recapHeard);
    if (!lines) return;
    this.#recapHeard = this.#recap.version;
    this.#appendInstructions(`Since then, in the same call:\n${lines}`.slice(0, MAX_APPEND_CHARS));
    void this.#tools.refresh();
  }

  #appendInstructions(content: string): void {
    this.#link.send({ type: 'session.instructions.append', delegation_id: null, content });
  }

  #speakNow(content: string): void {
    this.#link.send({ type: 'session.commentary.append', delegation_id: null, content });
  }

  #wire(): void {
    this.#edge.on('audio', (payload) => {
      if (this.#lifecycle === 'live') this.#turns.microphone(payload);
    });
    this.#edge.on('control', (message) => this.#onControl(message));
    this.#edge.on('close', (reason) => void this.end(reason));
  }

  #onControl(message: ClientControl): void {
    if (this.#lifecycle !== 'live') return;
    switch (message.type) {
      case 'ptt.start': return this.#turns.press();
      case 'ptt.stop': return this.#turns.release();
      case 'input_text': return this.#userText(message.text);
      case 'dtmf': return this.#keypad.press(message.digit);
      case 'mode': return this.#turns.setMode(message.mode);
      case 'hangup': void this.end('hangup'); return;
      case 'tool.approval': return this.#mcp.control(message);
      case 'playback': return;
    }
  }

  /** Typed text: GPT-Live has no user-text input (§3.3d); it reaches the model as commentary to answer now. */
  #userText(text: string): void {
    this.#turns.callerSpeech();
    this.#recap.add('user', text);
    this.#edge.send({ type: 'transcript', role: 'user', text, final: true, item_id: `text_${Date.now()}` });
    this.#link.send({ type: 'session.commentary.append', delegation_id: null, content: `The caller typed: ${JSON.stringify(text)}. Answer it now.` });
  }

  #onServerEvent(event: ServerEvent): void {
    if (this.#lifecycle === 'closed') return;
    switch (event.type) {
      case 'session.output_audio.delta':
        if (this.#lifecycle === 'live') this.#turns.agentAudio(event.delta);
        return;
      case 'session.input_transcript.delta':
        this.#turns.callerSpeech();
        this.#transcripts.push(event);
        return;
      case 'session.output_transcript.delta':
        this.#transcripts.push(event);
        return;
      case 'response.event':
        this.#round.event(event);
        return;
      case 'error':
        this.#log.warn({ code: event.error.code, message: event.error.message }, 'backend error');
        // A restore attempt's refusal is the link's to handle, not the caller's to see.
        if (this.#lifecycle === 'live' && !this.#restoring) this.#edge.send({ type: 'error', code: `backend.${event.error.code}`, message: event.error.message });
        return;
      case 'session.closed':
        this.#transcripts.push(event);
        return;
      default:
    }
  }

  /** An agent turn ended: a goodbye asked for (farewell, or a state that ends the call) if it began after the ask. */
  #assistantTurnEnded(segmentId: string, startedAtMs: number): void {
    this.#turns.agentTurnEnded(segmentId);
    if (this.#goodbyeAskedAtMs === undefined || startedAtMs < this.#goodbyeAskedAtMs) return;
    this.#goodbyeAskedAtMs = undefined;
    this.#hangup.goodbyeSaid();
  }

  /** A state that ends the call: the agent's next turn is its goodbye, then the call ends. */
  #armHangup(): void {
    this.#goodbyeAskedAtMs = performance.now();
    this.#hangup.arm();
  }

  /** One backend function call: a move, a handoff, a transfer, or an agent tool. */
  #runCall(call: LiveToolCall): Promise<string> {
    const { agent, state } = this.#tools;
    if (call.name === CHANGE_STATE_TOOL) return this.#tools.changeState(call.callId, call.arguments);
    if (call.name === TRANSFER_CALL_TOOL) return this.#tools.transferCall(call.callId, call.arguments);
    const handoffTo = this.#runtime.live.handoffTarget(agent, state, call.name);
    if (handoffTo) return this.#tools.handOff(handoffTo);
    const tool = this.#runtime.live.tool(agent, call.name);
    if (tool) return this.#tools.callTool(tool, call.callId, call.arguments);
    this.#log.warn({ tool: call.name }, 'the backend called a tool this state does not have');
    return Promise.resolve(JSON.stringify({ error: { code: 'VG_ERR_TOOL_UNKNOWN', message: `no tool ${call.name} in this step` } }));
  }

  /** The delegation backend's rules and tools for (agent, state), sent; true once it answered `session.updated`. */
  #configure(agent: string, state: string): Promise<boolean> {
    const backend = this.#backendState(agent, state);
    // After a restore the backend's instructions keep the call so far (it has no other history).
    const instructions = this.#restores > 0 && !this.#link.resumes ? withRecap(backend.instructions, this.#recap) : backend.instructions;
    const { tools } = backend;
    const update: SessionUpdateConfig = { delegation: { type: 'responses', responses: { instructions, tools } } };
    return this.#link.update(update);
  }

  async #close(reason: string): Promise<void> {
    if (this.#lifecycle === 'closing' || this.#lifecycle === 'closed') return;
    const wasLive = this.#lifecycle === 'live';
    this.#lifecycle = 'closing';
    this.#stop.abort();
    this.#tools.close();
    this.#mcp.dispose();
    this.#keypad.dispose();
    this.#hangup.dispose();
    this.#transcripts.close();
    try {
      await this.#link.close();
    } catch (err) {
      this.#log.warn({ err }, 'closing the Live backend connection failed');
    }
    this.#edge.close(reason);
    this.#lifecycle = 'closed';
    if (wasLive) this.#log.info({ reason, agent: this.#tools.agent, state: this.#tools.state }, 'session ended');
    if (this.#liveSinceMs > 0) {
      this.#facts.publish('sessionEnded', { sessionId: this.id, edge: this.#edge.kind, reason, durationMs: Math.round(performance.now() - this.#liveSinceMs) });
    } else {
      this.#facts.publish('sessionNeverLive', {
        sessionId: this.id, edge: this.#edge.kind, caller: this.#edge.caller, reason, durationMs: Math.round(performance.now() - this.#createdAtMs),
      });
    }
  }
}

/** The edge's format in GPT-Live's spelling (its G.711 names the 8 kHz rate); none for an edge without audio. */
function liveFormat(format: AudioFormat | undefined): LiveAudioFormat | undefined {
  if (!format) return undefined;
  const type = formatType(format);
  return type === 'audio/pcm' ? { type, rate: 24000 } : { type, rate: 8000 };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
