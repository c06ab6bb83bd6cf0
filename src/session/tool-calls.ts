import type { Logger } from 'pino';
import type { EdgeTransport } from '../edges/edge.ts';
import { errorEvent } from '../edges/errors.ts';
import type { SlotValues } from '../engine/slots.ts';
import { CHANGE_STATE_TOOL, TRANSFER_CALL_TOOL } from '../engine/transition-tools.ts';
import { VgError } from '../errors.ts';
import type { FactSink } from '../observability/session-facts.ts';
import { runTool } from '../tools/run-tool.ts';
import type { ToolDefinition } from '../tools/tool.ts';
import type { AgentRuntime, SessionCallbacks } from './agent-runtime.ts';
import { transferCall } from './call-transfer.ts';
import { ConversationData } from './conversation-data.ts';
import { tellTool } from './tool-events.ts';

/** How one voice API takes a new configuration (Realtime's `session.update` via the SDK, GPT-Live's delegation backend). */
export interface ConfigTarget {
  /** Sends the configuration of (agent, state); resolves true once the backend has taken it. */
  configure(agent: string, state: string): Promise<boolean>;
  /** After a refused move: make the configuration the backend still has current again, where the client library needs it. */
  stay?(agent: string, state: string): Promise<unknown>;
  /** A move or handoff the backend took, told to whatever else must hear of it (GPT-Live's voice model). */
  announce?(change: { handoff: boolean; agent: string; state: string }): void;
}

export interface ToolCallsDeps {
  sessionId: string;
  edge: EdgeTransport;
  runtime: AgentRuntime;
  toolTimeoutMs: number;
  log: Logger;
  facts: FactSink;
  target: ConfigTarget;
  /** The conversation reached a state that ends the call (`"hangup": true`). */
  endsCall: () => void;
  /** The caller went to a person: the session is over once the model has the result. */
  transferred: () => void;
}

/**
 * The tool layer of one call, the same on either voice API: agent tools (argument validation,
 * timeouts, errors back to the model, values they set), `change_state` moves, handoffs and
 * `transfer_call`, with what the client, the log and the facts hear of each. It holds where the
 * conversation is (agent and state) and what it has collected, since only these calls change them.
 */
export class ToolCalls implements SessionCallbacks {
  readonly #deps: ToolCallsDeps;
  readonly #data: ConversationData;
  /** Aborted when the session ends, so running tool handlers stop their I/O. */
  readonly #abort = new AbortController();
  /** The configuration update in flight (see #configUpdate). */
  #updates: Promise<unknown> = Promise.resolve();
  #running = 0;
  #agent: string;
  #state: string;

  constructor(deps: ToolCallsDeps) {
    this.#deps = deps;
    this.#data = new ConversationData(deps.runtime.slots);
    this.#agent = deps.runtime.startAgent;
    this.#state = deps.runtime.startState(this.#agent);
  }

  get agent(): string {
    return this.#agent;
  }

  get state(): string {
    return this.#state;
  }

  /** Agent tool handlers running now (not moves or transfers). */
  get running(): number {
    return this.#running;
  }

  slots(): SlotValues {
    return this.#data.values;
  }

  /** The session ended: running handlers are told to stop. */
  close(): void {
    this.#abort.abort();
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

  /** Re-sends the current configuration, in turn with the other updates (what the backend should know changed). */
  refresh(): Promise<boolean> {
    return this.#configUpdate(() => this.#deps.target.configure(this.#agent, this.#state));
  }

  async callTool(tool: ToolDefinition, callId: string, rawArguments: string): Promise<string> {
    const { edge, log, facts, sessionId, target } = this.#deps;
    const { name } = tool;
    tellTool(this.#deps, { type: 'tool.call', name, call_id: callId, arguments: rawArguments });
    this.#running++;
    const version = this.#data.version;
    // A handler still running after its call timed out may not change the conversation any more.
    const over = new AbortController();
    const outcome = await runTool(
      tool, rawArguments,
      { sessionId, logger: log, signal: this.#abort.signal, slots: this.#data.access(over.signal) },
      { defaultTimeoutMs: this.#deps.toolTimeoutMs },
    ).finally(() => {
      over.abort();
      this.#running--;
    });
    if (this.#data.version !== version) {
      edge.send({ type: 'slots.changed', slots: this.#data.values });
      // The state's handoffs wait for its required values: re-send the configuration, before the
      // model has the result, so a handoff the tool just made possible is offered. Built when its
      // turn comes, so a state move that was in flight meanwhile is not undone.
      await this.#configUpdate(() => target.configure(this.#agent, this.#state));
    }
    tellTool(this.#deps, { type: 'tool.result', name, call_id: callId, output: outcome.output, error: !outcome.ok, duration_ms: outcome.durationMs });
    facts.publish('toolFinished', {
      sessionId, tool: name, ok: outcome.ok, durationMs: outcome.durationMs, errorCode: outcome.errorCode,
      callId, arguments: rawArguments, output: outcome.output,
    });
    return outcome.output;
  }

  async changeState(callId: string, rawArguments: string): Promise<string> {
    const { edge, log, facts, runtime, target } = this.#deps;
    tellTool(this.#deps, { type: 'tool.call', name: CHANGE_STATE_TOOL, call_id: callId, arguments: rawArguments });
    const started = performance.now();
    const decision = runtime.decide(this.#agent, this.#state, rawArguments, this.#data.values);
    let output: string;
    let moved = false;
    if (decision.ok) {
      const from = this.#state;
      // The move's values first: the new state's instructions list them as known.
      const before = this.#data.values;
      const collected = this.#data.merge(decision.values);
      // One update carrying the new state's instructions and tools; the state moves only once the
      // backend has it, so the gateway and the backend never disagree about it.
      // Decided from where the call is now: if a handoff or another move got there first (calls of
      // one response run at once), this decision is stale and the move is refused.
      const agent = this.#agent;
      const stale = () => this.#agent !== agent || this.#state !== from;
      moved = await this.#configUpdate(() => (stale() ? Promise.resolve(false) : target.configure(agent, decision.to)));
      if (moved) {
        this.#state = decision.to;
        target.announce?.({ handoff: false, agent: this.#agent, state: this.#state });
        log.info({ agent: this.#agent, from, to: this.#state }, 'state changed');
        edge.send({ type: 'state.changed', from, to: this.#state, agent: this.#agent, slots: this.#data.values });
        if (collected) edge.send({ type: 'slots.changed', slots: this.#data.values });
        facts.publish('stateChanged', { sessionId: this.#deps.sessionId, agent: this.#agent, from, to: this.#state, handoff: false, slots: this.#data.values });
        if (runtime.endsCall(this.#agent, this.#state)) this.#deps.endsCall();
        output = JSON.stringify({ ok: true, state: this.#state });
      } else {
        if (collected && this.#data.revert(decision.values, before)) edge.send({ type: 'slots.changed', slots: this.#data.values });
        const { stay } = target;
        if (stay) await this.#configUpdate(() => stay(this.#agent, this.#state));
        log.warn({ agent: this.#agent, from, to: decision.to }, 'the backend did not take the new state; staying');
        edge.send(errorEvent(new VgError('VG_ERR_TRANSITION_FAILED', `the backend did not take the configuration of ${decision.to}; the conversation stays in ${from}`)));
        output = JSON.stringify({ ok: false, error: `${decision.to} could not be applied; you are still in ${from}. Go on from there.` });
      }
    } else {
      // The reason can quote a value the caller gave (personal data): debug only.
      log.warn({ agent: this.#agent, state: this.#state }, 'transition refused');
      log.debug({ reason: decision.reason }, 'transition refused: reason');
      output = JSON.stringify({ ok: false, error: decision.reason });
    }
    tellTool(this.#deps, { type: 'tool.result', name: CHANGE_STATE_TOOL, call_id: callId, output, error: !moved, duration_ms: Math.round(performance.now() - started) });
    return output;
  }

  async transferCall(callId: string, rawArguments: string): Promise<string> {
    const { edge, log, runtime } = this.#deps;
    tellTool(this.#deps, { type: 'tool.call', name: TRANSFER_CALL_TOOL, call_id: callId, arguments: rawArguments });
    const started = performance.now();
    const outcome = await transferCall(edge, runtime.transferTarget(this.#agent), log);
    tellTool(this.#deps, { type: 'tool.result', name: TRANSFER_CALL_TOOL, call_id: callId, output: outcome.output, error: !outcome.ok, duration_ms: Math.round(performance.now() - started) });
    if (outcome.ok) setImmediate(() => this.#deps.transferred());
    return outcome.output;
  }

  /** Another agent takes the call, in its start state, once the backend has its configuration (GPT-Live). Returns the model's result text. */
  async handOff(to: string): Promise<string> {
    const from = this.#agent;
    if (!(await this.#configUpdate(() => this.#deps.target.configure(to, this.#deps.runtime.startState(to))))) {
      this.#deps.edge.send(errorEvent(new VgError('VG_ERR_TRANSITION_FAILED', `the backend did not take the configuration of ${to}; the conversation stays with ${from}`)));
      return JSON.stringify({ ok: false, error: `${to} could not take the call; go on as ${from}.` });
    }
    this.handedOff(to);
    // The Agents SDK's handoff output, so transcripts read the same on either API.
    return JSON.stringify({ assistant: to });
  }

  /** Another agent has taken the call, in its start state (its configuration is with the backend). */
  handedOff(to: string): void {
    const { edge, log, facts, runtime, target } = this.#deps;
    const from = this.#agent;
    const fromState = this.#state;
    this.#agent = to;
    this.#state = runtime.startState(to);
    target.announce?.({ handoff: true, agent: to, state: this.#state });
    log.info({ from, to, state: this.#state }, 'handoff');
    edge.send({ type: 'state.changed', from: fromState, to: this.#state, agent: to, graph: runtime.graph(to), slots: this.#data.values });
    facts.publish('stateChanged', { sessionId: this.#deps.sessionId, agent: to, from: fromState, to: this.#state, handoff: true, slots: this.#data.values });
    if (runtime.endsCall(to, this.#state)) this.#deps.endsCall();
  }
}
