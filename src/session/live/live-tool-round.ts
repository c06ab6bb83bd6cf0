import type { Logger } from 'pino';
import type { ClientEvent, ResponseEvent } from 'openai/resources/live/live';
import type { ResponseOutputItem } from 'openai/resources/responses/responses';

/** A function call the backend made, as the session runs it. */
export interface LiveToolCall {
  callId: string;
  name: string;
  arguments: string;
}

export type McpCallItem = ResponseOutputItem.McpCall;
export type McpListToolsItem = ResponseOutputItem.McpListTools;
export type McpApprovalRequestItem = ResponseOutputItem.McpApprovalRequest;

/** The backend's hosted MCP items: the backend lists and calls the servers itself; approvals are ours to give. */
export interface LiveMcpItems {
  /** An `mcp_call` began (`response.output_item.added`). */
  callStarted(item: McpCallItem): void;
  /** An `mcp_call` is done, with its output or error. */
  callDone(item: McpCallItem): void;
  /** A listing of a server's tools ended (completed, or failed with `error`). */
  listed(item: McpListToolsItem): void;
  /** A call that needs approval first: resolves with the decision. */
  approval(request: McpApprovalRequestItem): Promise<{ approve: boolean; reason?: string }>;
}

export interface LiveToolRoundDeps {
  /** Runs one call through the gateway's tool layer; resolves with the model's result text. */
  run: (call: LiveToolCall) => Promise<string>;
  send: (event: ClientEvent) => void;
  /** A call that finished after its session was lost: its output has no session to go to. */
  orphaned: (call: LiveToolCall, output: string) => void;
  mcp: LiveMcpItems;
  log: Logger;
}

/**
 * The function calls of GPT-Live's Responses delegation (LIVE_PROTOCOL.md §3.3b): a call counts
 * once its `response.output_item.done` says `completed` (a repeated `call_id` is dropped); each
 * output goes back as `response.item.create{function_call_output}`, and `response.create` is sent
 * once, after the backend's `response.completed` and after every call of that response has its
 * output (parallel calls too). An MCP approval request is one more pending output: its
 * `mcp_approval_response` goes after the response completed, with that one `response.create`.
 * A failed or incomplete response forgets its calls and approvals.
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
  /** Approval answers decided for the current response, sent once it has completed. */
  #answers: ClientEvent[] = [];
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
    this.#forget();
  }

  event(event: ResponseEvent): void {
    const nested = event.event;
    switch (nested.type) {
      case 'response.created':
        return this.#forget();
      case 'response.output_item.added':
        if (isMcpCall(nested.item)) this.#deps.mcp.callStarted(nested.item);
        return;
      case 'response.output_item.done':
        return this.#item(nested.item);
      case 'response.completed':
        this.#completed = true;
        return this.#maybeContinue();
      case 'response.failed':
      case 'response.incomplete':
        this.#deps.log.warn({ type: nested.type }, 'the delegation backend did not complete its response');
        return this.#forget();
      default:
    }
  }

  /** A new backend response, or the last one lost: what was pending for it no longer continues anything. */
  #forget(): void {
    this.#round++;
    this.#calls = 0;
    this.#running = 0;
    this.#completed = false;
    this.#answers = [];
  }

  #item(item: unknown): void {
    if (typeof item !== 'object' || item === null) return;
    if (isMcpCall(item)) {
      if (this.#once(item.id)) this.#deps.mcp.callDone(item);
      return;
    }
    if (isMcpListTools(item)) return this.#deps.mcp.listed(item);
    if (isMcpApprovalRequest(item)) return this.#approval(item);
    const { type, status, call_id: callId, name, arguments: args } = item as Record<string, unknown>;
    if (type !== 'function_call' || status !== 'completed') return;
    if (typeof callId !== 'string' || typeof name !== 'string' || typeof args !== 'string') {
      this.#deps.log.warn('a function call from the delegation backend without call_id, name or arguments; dropped');
      return;
    }
    if (!this.#once(callId)) return;
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

  #approval(request: McpApprovalRequestItem): void {
    if (!this.#once(request.id)) return;
    const round = this.#round;
    this.#calls++;
    this.#running++;
    void this.#deps.mcp.approval(request).then(({ approve, reason }) => {
      if (round !== this.#round) return;
      this.#answers.push({
        type: 'response.item.create',
        item: { type: 'mcp_approval_response', approval_request_id: request.id, approve, ...(reason === undefined ? {} : { reason }) },
      });
      this.#running--;
      this.#maybeContinue();
    });
  }

  /** True the first time an item (or call) id is seen; the set is bounded, oldest forgotten. */
  #once(id: string): boolean {
    if (this.#seen.has(id)) return false;
    this.#seen.add(id);
    if (this.#seen.size > MAX_SEEN_IDS) this.#seen.delete(this.#seen.values().next().value as string);
    return true;
  }

  #maybeContinue(): void {
    if (!this.#completed || this.#running > 0 || this.#calls === 0) return;
    this.#calls = 0;
    this.#completed = false;
    for (const answer of this.#answers) this.#deps.send(answer);
    this.#answers = [];
    this.#deps.send({ type: 'response.create' });
  }
}

/** Call and item ids remembered against repeats: far more than one call makes. */
const MAX_SEEN_IDS = 1_000;

function isMcpCall(item: unknown): item is McpCallItem {
  return hasStrings(item, 'mcp_call', ['id', 'name', 'server_label', 'arguments']);
}

function isMcpListTools(item: unknown): item is McpListToolsItem {
  return hasStrings(item, 'mcp_list_tools', ['id', 'server_label']);
}

function isMcpApprovalRequest(item: unknown): item is McpApprovalRequestItem {
  return hasStrings(item, 'mcp_approval_request', ['id', 'name', 'server_label', 'arguments']);
}

/** A backend item of this type with these string fields (the server's items are read defensively). */
function hasStrings(item: unknown, type: string, fields: readonly string[]): boolean {
  if (typeof item !== 'object' || item === null) return false;
  const record = item as Record<string, unknown>;
  return record.type === type && fields.every((field) => typeof record[field] === 'string');
}
