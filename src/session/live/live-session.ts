import type { Logger } from 'pino';
import type { AudioFormat as LiveAudioFormat, ServerEvent, SessionConfig, SessionUpdateConfig } from 'openai/resources/live/live';
import { formatType, type AudioFormat } from '../../audio/format.ts';
import type { ClientControl, EdgeTransport } from '../../edges/edge.ts';
import { errorEvent } from '../../edges/errors.ts';
import { VgError } from '../../errors.ts';
import { TRANSFER_CALL_TOOL, CHANGE_STATE_TOOL } from '../../engine/transition-tools.ts';
import type { FactSink } from '../../observability/session-facts.ts';
import { runTool } from '../../tools/run-tool.ts';
import type { ToolDefinition } from '../../tools/tool.ts';
import type { AgentRuntime } from '../agent-runtime.ts';
import { FAREWELL, FAREWELL_MAX_MS, type CallSessionDeps } from '../call-session.ts';
import { transferCall } from '../call-transfer.ts';
import { ConversationData } from '../conversation-data.ts';
import { HangupAfterGoodbye } from '../hangup-after-goodbye.ts';
import { KeypadEntry, keypadMessage } from '../keypad.ts';
import { LiveLink } from './live-link.ts';
import { LiveToolRound, type LiveToolCall } from './live-tool-round.ts';
import { LiveTranscripts } from './live-transcripts.ts';
import { LiveTurns } from './live-turns.ts';

export type LiveSessionDeps = CallSessionDeps;

/** The delegation backend's model when the target names none. */
export const DEFAULT_DELEGATION_MODEL = 'gpt-5.1';

/** How the agent opens the call: GPT-Live has no `response.create` for the voice (§7), so it is told to speak. */
const OPEN_CALL = 'The call has just connected. Greet the caller now, as the current step says, and wait for their answer.';

type Lifecycle = 'connecting' | 'live' | 'closing' | 'closed';

/**
 * One call on GPT-Live: the same edges, agents, states and tools as on Realtime, with the voice
 * model speaking and the Responses delegation backend holding the state machine. Each move or
 * handoff re-configures the backend (`session.update`), and is announced to the voice model
 * (`session.instructions.append`); function calls come back inside `response.event` and run
 * through the same tool layer as on Realtime.
 */
export class LiveVoiceSession {
  readonly id: string;
  readonly #edge: EdgeTransport;
  readonly #runtime: AgentRuntime;
  readonly #log: Logger;
  readonly #facts: FactSink;
  readonly #createdAtMs = performance.now();
  readonly #toolTimeoutMs: number;
  readonly #abort = new AbortController();
  readonly #link: LiveLink;
  readonly #turns: LiveTurns;
  readonly #tools: LiveToolRound;
  readonly #transcripts: LiveTranscripts;
  readonly #data: ConversationData;
  readonly #keypad: KeypadEntry;
  readonly #hangup: HangupAfterGoodbye;
  readonly #delegationModel: string;
  readonly #model: string;
  /** Backend updates one at a time (calls of one response run concurrently). */
  #updates: Promise<unknown> = Promise.resolve();
  #lifecycle: Lifecycle = 'connecting';
  #agent: string;
  #state: string;
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
    this.#toolTimeoutMs = deps.toolTimeoutMs;
    this.#delegationModel = deps.backend.delegationModel ?? DEFAULT_DELEGATION_MODEL;
    this.#model = deps.backend.model;
    this.#agent = deps.runtime.startAgent;
    this.#state = deps.runtime.startState(this.#agent);
    this.#data = new ConversationData(deps.runtime.slots);
    this.#link = new LiveLink({
      target: deps.backend,
      confirmTimeoutMs: deps.linkPolicy.confirmTimeoutMs,
      log: deps.log,
      onEvent: (event) => this.#onServerEvent(event),
      onLost: (reason) => {
        // The caller hung up a SIP call: nothing is lost, and there is no call left to hang up.
        if (reason === 'remote_hangup') return void this.end('call_ended');
        this.#log.warn({ reason }, 'the Live backend connection ended');
        void this.end('backend_lost');
      },
    });
    this.#turns = new LiveTurns({
      edge: this.#edge,
      link: this.#link,
      log: this.#log,
      onBargeIn: () => this.#facts.publish('bargeIn', { sessionId: this.id, edge: this.#edge.kind, truncated: false }),
      onTurnLatency: (latencyMs, itemId) => this.#facts.publish('turnLatency', { sessionId: this.id, itemId, latencyMs }),
    });
    this.#tools = new LiveToolRound({ run: (call) => this.#runCall(call), send: (event) => this.#link.send(event), log: this.#log });
    this.#transcripts = new LiveTranscripts(this.#edge, this.id, this.#facts, (segmentId, startedAtMs) => this.#assistantTurnEnded(segmentId, startedAtMs));
    this.#keypad = new KeypadEntry((digits) => this.#userText(keypadMessage(digits)));
    this.#hangup = new HangupAfterGoodbye({ busy: () => this.#turns.busy(), hangUp: () => void this.end('agent_hangup') });
  }

  /** Starts the Live session with the start agent's voice and state, tells the client, and has the agent open the call. */
  async start(): Promise<void> {
    const voice = this.#runtime.voice(this.#agent);
    const format = liveFormat(this.#edge.media === 'none' ? undefined : this.#edge.media.format);
    const backend = this.#backendState();
    const config: SessionConfig = {
      model: this.#model,
      instructions: this.#runtime.live.voiceInstructions(this.#agent),
      audio: { ...(format ? { format } : {}), output: { voice } },
      delegation: { type: 'responses', responses: { model: this.#delegationModel, instructions: backend.instructions, tools: backend.tools, tool_choice: 'auto' } },
    };
    // A SIP call is answered with the same startup config (no format: SIP negotiates it), then attached.
    if (this.#edge.acceptLiveCall) await this.#edge.acceptLiveCall({ type: 'live', ...config });
    await this.#link.open(config);
    if (this.#lifecycle !== 'connecting') return;
    this.#wire();
    this.#lifecycle = 'live';
    this.#liveSinceMs = performance.now();
    this.#facts.publish('sessionStarted', { sessionId: this.id, edge: this.#edge.kind, agent: this.#agent, state: this.#state, caller: this.#edge.caller });
    this.#edge.send({ type: 'session.ready', session_id: this.id, agent: this.#agent, state: this.#state, mode: this.#turns.mode, graph: this.#runtime.graph(this.#agent) });
    this.#log.info({ agent: this.#agent, state: this.#state, api: 'live' }, 'session live');
    this.#link.send({ type: 'session.commentary.append', delegation_id: null, content: OPEN_CALL });
  }

  end(reason: string): Promise<void> {
    this.#ended ??= this.#close(reason);
    return this.#ended;
  }

  /** Asks the agent for a short goodbye and lets it be heard (a few seconds at most), then ends. */
  async farewell(reason: string): Promise<void> {
    if (this.#lifecycle === 'live') {
      this.#goodbyeAskedAtMs = performance.now();
      this.#link.send({ type: 'session.commentary.append', delegation_id: null, content: FAREWELL });
      const deadline = performance.now() + FAREWELL_MAX_MS;
      while (this.#goodbyeAskedAtMs !== undefined && this.#lifecycle === 'live' && performance.now() < deadline) await sleep(50);
      while (this.#turns.busy() && this.#lifecycle === 'live' && performance.now() < deadline) await sleep(50);
    }
    await this.end(reason);
  }

  #backendState() {
    return this.#runtime.live.backendState(this.#agent, this.#state, this.#edge.caller, this.#data.values);
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
      case 'playback': return;
    }
  }

  /** Typed text: GPT-Live has no user-text input (§3.3d); it reaches the model as commentary to answer now. */
  #userText(text: string): void {
    this.#turns.callerSpeech();
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
        this.#tools.event(event);
        return;
      case 'error':
        this.#log.warn({ code: event.error.code, message: event.error.message }, 'backend error');
        if (this.#lifecycle === 'live') this.#edge.send({ type: 'error', code: `backend.${event.error.code}`, message: event.error.message });
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
  async #runCall(call: LiveToolCall): Promise<string> {
    if (call.name === CHANGE_STATE_TOOL) return this.#changeState(call);
    if (call.name === TRANSFER_CALL_TOOL) return this.#transferCall(call);
    const handoffTo = this.#runtime.live.handoffTarget(this.#agent, this.#state, call.name);
    if (handoffTo) return this.#handoff(handoffTo);
    const tool = this.#runtime.live.tool(this.#agent, call.name);
    if (tool) return this.#callTool(tool, call);
    this.#log.warn({ tool: call.name }, 'the backend called a tool this state does not have');
    return JSON.stringify({ error: { code: 'VG_ERR_TOOL_UNKNOWN', message: `no tool ${call.name} in this step` } });
  }

  /** The backend's configuration for the current agent and state, applied; true once it answered `session.updated`. */
  #applyState(agent: string, state: string): Promise<boolean> {
    const send = () => {
      const backend = this.#runtime.live.backendState(agent, state, this.#edge.caller, this.#data.values);
      const update: SessionUpdateConfig = { delegation: { type: 'responses', responses: { instructions: backend.instructions, tools: backend.tools } } };
      return this.#link.update(update);
    };
    const run = this.#updates.then(send, send);
    this.#updates = run.then(() => undefined, () => undefined);
    return run;
  }

  async #callTool(tool: ToolDefinition, call: LiveToolCall): Promise<string> {
    const { name } = tool;
    this.#edge.send({ type: 'tool.call', name, call_id: call.callId, arguments: call.arguments });
    const version = this.#data.version;
    const over = new AbortController();
    const outcome = await runTool(
      tool, call.arguments,
      { sessionId: this.id, logger: this.#log, signal: this.#abort.signal, slots: this.#data.access(over.signal) },
      { defaultTimeoutMs: this.#toolTimeoutMs },
    ).finally(() => over.abort());
    if (this.#data.version !== version) {
      this.#edge.send({ type: 'slots.changed', slots: this.#data.values });
      // A handoff waits for the state's required values: offer it once the tool supplied them.
      await this.#applyState(this.#agent, this.#state);
    }
    this.#edge.send({ type: 'tool.result', name, call_id: call.callId, output: outcome.output, error: !outcome.ok, duration_ms: outcome.durationMs });
    this.#facts.publish('toolFinished', {
      sessionId: this.id, tool: name, ok: outcome.ok, durationMs: outcome.durationMs, errorCode: outcome.errorCode,
      callId: call.callId, arguments: call.arguments, output: outcome.output,
    });
    return outcome.output;
  }

  async #changeState(call: LiveToolCall): Promise<string> {
    this.#edge.send({ type: 'tool.call', name: CHANGE_STATE_TOOL, call_id: call.callId, arguments: call.arguments });
    const started = performance.now();
    const decision = this.#runtime.decide(this.#agent, this.#state, call.arguments, this.#data.values);
    let output: string;
    let moved = false;
    if (decision.ok) {
      const from = this.#state;
      const before = this.#data.values;
      const collected = this.#data.merge(decision.values);
      moved = await this.#applyState(this.#agent, decision.to);
      if (moved) {
        this.#state = decision.to;
        this.#link.send({ type: 'session.instructions.append', delegation_id: null, content: this.#runtime.live.movedTo(this.#agent, this.#state) });
        this.#log.info({ agent: this.#agent, from, to: this.#state }, 'state changed');
        this.#edge.send({ type: 'state.changed', from, to: this.#state, agent: this.#agent, slots: this.#data.values });
        if (collected) this.#edge.send({ type: 'slots.changed', slots: this.#data.values });
        this.#facts.publish('stateChanged', { sessionId: this.id, agent: this.#agent, from, to: this.#state, handoff: false, slots: this.#data.values });
        if (this.#runtime.endsCall(this.#agent, this.#state)) this.#armHangup();
        output = JSON.stringify({ ok: true, state: this.#state });
      } else {
        if (collected && this.#data.revert(decision.values, before)) this.#edge.send({ type: 'slots.changed', slots: this.#data.values });
        this.#log.warn({ agent: this.#agent, from, to: decision.to }, 'the backend did not take the new state; staying');
        this.#edge.send(errorEvent(new VgError('VG_ERR_TRANSITION_FAILED', `the backend did not take the configuration of ${decision.to}; the conversation stays in ${from}`)));
        output = JSON.stringify({ ok: false, error: `${decision.to} could not be applied; you are still in ${from}. Go on from there.` });
      }
    } else {
      this.#log.warn({ agent: this.#agent, state: this.#state }, 'transition refused');
      this.#log.debug({ reason: decision.reason }, 'transition refused: reason');
      output = JSON.stringify({ ok: false, error: decision.reason });
    }
    this.#edge.send({ type: 'tool.result', name: CHANGE_STATE_TOOL, call_id: call.callId, output, error: !moved, duration_ms: Math.round(performance.now() - started) });
    return output;
  }

  /** Another agent takes the call: its start state's rules and tools go to the backend, its persona to the voice. */
  async #handoff(to: string): Promise<string> {
    const from = this.#agent;
    const fromState = this.#state;
    const toState = this.#runtime.startState(to);
    if (!(await this.#applyState(to, toState))) {
      this.#edge.send(errorEvent(new VgError('VG_ERR_TRANSITION_FAILED', `the backend did not take the configuration of ${to}; the conversation stays with ${from}`)));
      return JSON.stringify({ ok: false, error: `${to} could not take the call; go on as ${from}.` });
    }
    this.#agent = to;
    this.#state = toState;
    this.#link.send({ type: 'session.instructions.append', delegation_id: null, content: this.#runtime.live.handedTo(to) });
    this.#log.info({ from, to, state: this.#state }, 'handoff');
    this.#edge.send({ type: 'state.changed', from: fromState, to: this.#state, agent: to, graph: this.#runtime.graph(to), slots: this.#data.values });
    this.#facts.publish('stateChanged', { sessionId: this.id, agent: to, from: fromState, to: this.#state, handoff: true, slots: this.#data.values });
    if (this.#runtime.endsCall(to, this.#state)) this.#armHangup();
    // The Agents SDK's handoff output, so transcripts read the same on either API.
    return JSON.stringify({ assistant: to });
  }

  async #transferCall(call: LiveToolCall): Promise<string> {
    this.#edge.send({ type: 'tool.call', name: TRANSFER_CALL_TOOL, call_id: call.callId, arguments: call.arguments });
    const started = performance.now();
    const outcome = await transferCall(this.#edge, this.#runtime.transferTarget(this.#agent), this.#log);
    this.#edge.send({ type: 'tool.result', name: TRANSFER_CALL_TOOL, call_id: call.callId, output: outcome.output, error: !outcome.ok, duration_ms: Math.round(performance.now() - started) });
    if (outcome.ok) setImmediate(() => void this.end('transferred'));
    return outcome.output;
  }

  async #close(reason: string): Promise<void> {
    if (this.#lifecycle === 'closing' || this.#lifecycle === 'closed') return;
    const wasLive = this.#lifecycle === 'live';
    this.#lifecycle = 'closing';
    this.#abort.abort();
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
    if (wasLive) this.#log.info({ reason, agent: this.#agent, state: this.#state }, 'session ended');
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
