import type { Logger } from 'pino';
import type { ClientEvent, ResponseEvent } from 'openai/resources/live/live';

/** A function call the backend made, as the session runs it. */
export interface LiveToolCall {
  callId: string;
  name: string;
  arguments: string;
}

export interface LiveToolRoundDeps {
  /** Runs one call through the gateway's tool layer; resolves with the model's result text. */
  run: (call: LiveToolCall) => Promise<string>;
  send: (event: ClientEvent) => void;
  /** A call that finished after its session was lost: its output has no session to go to. */
  orphaned: (call: LiveToolCall, output: string) => void;
  log: Logger;
}

/**
 * The function calls of GPT-Live's Responses delegation (LIVE_PROTOCOL.md §3.3b): a call counts
 * once its `response.output_item.done` says `completed` (a repeated `call_id` is dropped); each
 * output goes back as `response.item.create{function_call_output}`, and `response.create` is sent
 * once, after the backend's `response.completed` and after every call of that response has its
 * output (parallel calls too). A failed or incomplete response forgets its calls.
 */
export class LiveToolRound {
  readonly #deps: LiveToolRoundDeps;
  readonly #seen = new Set<string>();
  /** Calls of the current backend response still running. */
  #running = 0;
  #calls = 0;
  #completed = false;
  /** Bumped per backend response: outputs of a forgotten response do not continue a newer one. */
  #round = 0;
  /** Calls still running when their session was lost. */
  readonly #orphans = new Set<string>();
  readonly #runningIds = new Set<string>();

  constructor(deps: LiveToolRoundDeps) {
    this.#deps = deps;
  }

  get running(): number {
    return this.#running;
  }

  /** The backend session was lost: its running calls go on, and their outputs to `orphaned`. */
  connectionLost(): void {
    for (const callId of this.#runningIds) this.#orphans.add(callId);
    this.#round++;
    this.#calls = 0;
    this.#running = 0;
    this.#completed = false;
  }

  event(event: ResponseEvent): void {
    const nested = event.event;
    switch (nested.type) {
      case 'response.created':
        this.#round++;
        this.#calls = 0;
        this.#running = 0;
        this.#completed = false;
        return;
      case 'response.output_item.done':
        return this.#item(nested.item);
      case 'response.completed':
        this.#completed = true;
        return this.#maybeContinue();
      case 'response.failed':
      case 'response.incomplete':
        this.#deps.log.warn({ type: nested.type }, 'the delegation backend did not complete its response');
        this.#round++;
        this.#calls = 0;
        this.#running = 0;
        this.#completed = false;
        return;
      default:
    }
  }

  #item(item: unknown): void {
    if (typeof item !== 'object' || item === null) return;
    const { type, status, call_id: callId, name, arguments: args } = item as Record<string, unknown>;
    if (type !== 'function_call' || status !== 'completed') return;
    if (typeof callId !== 'string' || typeof name !== 'string' || typeof args !== 'string') {
      this.#deps.log.warn('a function call from the delegation backend without call_id, name or arguments; dropped');
      return;
    }
    if (this.#seen.has(callId)) return;
    this.#seen.add(callId);
    const round = this.#round;
    this.#calls++;
    this.#running++;
    this.#runningIds.add(callId);
    const call = { callId, name, arguments: args };
    void this.#deps.run(call).then((output) => {
      this.#runningIds.delete(callId);
      if (this.#orphans.delete(callId)) return this.#deps.orphaned(call, output);
      if (round !== this.#round) return;
      this.#deps.send({ type: 'response.item.create', item: { type: 'function_call_output', call_id: callId, output } });
      this.#running--;
      this.#maybeContinue();
    });
  }

  #maybeContinue(): void {
    if (!this.#completed || this.#running > 0 || this.#calls === 0) return;
    this.#calls = 0;
    this.#completed = false;
    this.#deps.send({ type: 'response.create' });
  }
}
