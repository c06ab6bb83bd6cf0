import type { Logger } from 'pino';
import type { ClientControl } from '../edges/edge.ts';
import { DEFAULT_APPROVAL_TIMEOUT_MS } from '../engine/mcp-servers.ts';
import { mcpCallDenied, type McpResultTarget } from './mcp-results.ts';

// Approval requests for remote MCP calls, on either voice API: the agent file says who decides
// (the client, through `tool.approval`, or a policy function), a request nobody answers in time
// is denied, and a denied call shows to the client as a failed tool call. How the answer reaches
// the backend is the voice API's part (`answer`).

/** Requests waiting at once; past this the oldest is denied. */
const MAX_PENDING = 32;

export interface McpApprovalAsk {
  requestId: string;
  server: string;
  name: string;
  /** The model's arguments, a JSON string (personal data: never logged at info). */
  arguments: string;
}

export interface McpApprovalsDeps<T> extends McpResultTarget {
  log: Logger;
  /** Sends the decision to the backend; false when it could not be sent (nothing is shown then). */
  answer(request: T, approve: boolean, reason: string | undefined): Promise<boolean>;
}

interface Pending<T> {
  ask: McpApprovalAsk;
  request: T;
  timer: NodeJS.Timeout;
}

export class McpApprovals<T> {
  readonly #deps: McpApprovalsDeps<T>;
  readonly #pending = new Map<string, Pending<T>>();
  #disposed = false;

  constructor(deps: McpApprovalsDeps<T>) {
    this.#deps = deps;
  }

  /** The backend asks to make a call: the agent's policy or the client decides. */
  request(ask: McpApprovalAsk, request: T): void {
    const { requestId, server, name } = ask;
    const definition = this.#deps.server(server);
    if (!definition) {
      void this.#decide({ ask, request }, false, 'the server is not one of this agent', false);
      return;
    }
    const timeoutMs = definition.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
    const approver = definition.approvedBy ?? 'client';
    const timer = setTimeout(() => this.#expire(requestId), timeoutMs);
    timer.unref();
    this.#pending.set(requestId, { ask, request, timer });
    if (this.#pending.size > MAX_PENDING) this.#expire(this.#pending.keys().next().value as string);
    if (approver === 'client') {
      this.#deps.edge.send({ type: 'tool.approval', request_id: requestId, server, name, arguments: ask.arguments, timeout_ms: timeoutMs });
      return;
    }
    // A policy in the agent file; it may be slow or throw, and both deny.
    void (async () => {
      let approve = false;
      try {
        approve = (await approver({ sessionId: this.#deps.sessionId, server, tool: name, arguments: parseArguments(ask.arguments) })) === true;
      } catch (err) {
        this.#deps.log.warn({ err, server, tool: name }, 'MCP approval policy failed; the call is denied');
      }
      const pending = this.#take(requestId);
      if (pending) await this.#decide(pending, approve, approve ? undefined : 'the agent policy did not approve it');
    })();
  }

  /** The client's answer to a `tool.approval` request. */
  control(message: Extract<ClientControl, { type: 'tool.approval' }>): void {
    const pending = this.#take(message.request_id);
    if (!pending) {
      this.#deps.log.debug({ requestId: message.request_id }, 'approval answer for no pending request');
      return;
    }
    this.#deps.edge.send({ type: 'tool.approval.decided', request_id: message.request_id, approved: message.approve, by: 'client' });
    void this.#decide(pending, message.approve, message.approve ? undefined : 'the user did not approve it');
  }

  dispose(): void {
    this.#disposed = true;
    for (const pending of this.#pending.values()) clearTimeout(pending.timer);
    this.#pending.clear();
  }

  #expire(requestId: string): void {
    const pending = this.#take(requestId);
    if (!pending) return;
    this.#deps.log.info({ server: pending.ask.server, tool: pending.ask.name }, 'MCP approval request unanswered; denied');
    this.#deps.edge.send({ type: 'tool.approval.decided', request_id: requestId, approved: false, by: 'timeout' });
    void this.#decide(pending, false, 'nobody approved it in time');
  }

  #take(requestId: string): Pending<T> | undefined {
    const pending = this.#pending.get(requestId);
    if (!pending) return undefined;
    clearTimeout(pending.timer);
    this.#pending.delete(requestId);
    return pending;
  }

  /** Sends the answer; a denied call (of a server of this agent) shows as a failed tool call. */
  async #decide({ ask, request }: Pick<Pending<T>, 'ask' | 'request'>, approve: boolean, reason: string | undefined, show = true): Promise<void> {
    if (this.#disposed) return;
    if (!(await this.#deps.answer(request, approve, reason))) return;
    this.#deps.log.debug({ server: ask.server, tool: ask.name, approve }, 'MCP approval decided');
    if (!approve && show) mcpCallDenied(this.#deps, ask.requestId, ask.server, ask.name, ask.arguments, reason ?? 'denied');
  }
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
