import type { Logger } from 'pino';
import type { RunToolApprovalItem } from '@openai/agents';
import type { RealtimeSession } from '@openai/agents/realtime';
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import type { ClientControl, EdgeTransport } from '../edges/edge.ts';
import { DEFAULT_APPROVAL_TIMEOUT_MS, type McpServerDefinition } from '../engine/mcp-servers.ts';
import type { FactSink } from '../observability/session-facts.ts';
import type { SessionContext } from './agent-runtime.ts';
import { tellTool } from './tool-events.ts';

// Remote MCP tools, which the backend calls itself: the client sees each call as a tool call
// (`tool.call` / `tool.result` with the server's label), the metrics and call records count it,
// and a call that needs approval is decided by the agent's policy or by the client, with a
// deadline after which it is denied. The backend's MCP items are read defensively: a server's
// output is someone else's text.

/** Calls followed at once (an answer has a few); past this the oldest is forgotten. */
const MAX_OPEN_CALLS = 32;
/** Output shown to the client; the model had all of it. */
const MAX_CLIENT_OUTPUT_CHARS = 16 * 1024;
/** Distinct tool names per server in the metrics, where the agent does not list them (bounded labels). */
const MAX_METRIC_TOOLS_PER_SERVER = 32;

export interface McpCallsDeps {
  sessionId: string;
  edge: EdgeTransport;
  session: RealtimeSession<SessionContext>;
  /** The current agent's MCP server with this label. */
  server(label: string): McpServerDefinition | undefined;
  log: Logger;
  /** The gateway's metrics and call records. */
  facts: FactSink;
}

interface OpenCall {
  name: string;
  server: string;
  startedAt: number;
  arguments: string;
}

interface PendingApproval {
  item: RunToolApprovalItem;
  server: string;
  name: string;
  arguments: string;
  timer: NodeJS.Timeout;
}

export class McpCalls {
  readonly #deps: McpCallsDeps;
  readonly #calls = new Map<string, OpenCall>();
  readonly #approvals = new Map<string, PendingApproval>();
  #disposed = false;

  constructor(deps: McpCallsDeps) {
    this.#deps = deps;
  }

  /** A checked backend event (server-event-check.ts): MCP calls become tool calls for the client. */
  serverEvent(event: RealtimeServerEvent): void {
    if ((event.type === 'conversation.item.added' || event.type === 'conversation.item.done') && event.item.type === 'mcp_call') {
      const { item } = event;
      const id = item.id;
      if (event.type === 'conversation.item.added') {
        this.#calls.set(id, { name: item.name, server: item.server_label, startedAt: performance.now(), arguments: '' });
        if (this.#calls.size > MAX_OPEN_CALLS) this.#calls.delete(this.#calls.keys().next().value as string);
        return;
      }
      const call = this.#calls.get(id);
      this.#calls.delete(id);
      if (!call) return;
      const failed = item.error !== null && item.error !== undefined;
      const output = failed ? JSON.stringify({ error: item.error?.message ?? 'the call failed' }) : (item.output ?? '');
      // The server's own error text may carry its internals (an HTTP body): the record keeps it, the client gets a safe line.
      const safe = failed ? JSON.stringify({ error: `the ${call.server} server could not run ${call.name}` }) : undefined;
      this.#result(id, call.server, call.name, item.arguments || call.arguments, output, failed ? 'VG_ERR_MCP_CALL_FAILED' : undefined, performance.now() - call.startedAt, safe);
      return;
    }
    if (event.type === 'response.mcp_call_arguments.done') {
      const call = this.#calls.get(event.item_id);
      if (!call) return;
      call.arguments = event.arguments;
      tellTool(this.#deps, { type: 'tool.call', name: call.name, call_id: event.item_id, arguments: event.arguments, server: call.server });
    }
  }

  /** The SDK's `tool_approval_requested` for an MCP tool: the agent file says who decides. */
  approvalRequested(item: RunToolApprovalItem): void {
    const raw = item.rawItem;
    const data = raw.providerData as { itemId?: unknown; serverLabel?: unknown } | undefined;
    if (raw.type !== 'hosted_tool_call' || typeof data?.itemId !== 'string' || typeof data.serverLabel !== 'string') {
      this.#deps.log.warn('MCP approval request without its item or server; not answered');
      return;
    }
    const requestId = data.itemId;
    const server = data.serverLabel;
    const name = raw.name;
    const args = raw.arguments ?? '{}';
    const definition = this.#deps.server(server);
    if (!definition) {
      void this.#decide(item, false, 'the server is not one of this agent');
      return;
    }
    const timeoutMs = definition.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
    const approver = definition.approvedBy ?? 'client';
    const timer = setTimeout(() => this.#expire(requestId), timeoutMs);
    timer.unref();
    this.#approvals.set(requestId, { item, server, name, arguments: args, timer });
    if (approver === 'client') {
      this.#deps.edge.send({ type: 'tool.approval', request_id: requestId, server, name, arguments: args, timeout_ms: timeoutMs });
      return;
    }
    // A policy in the agent file; it may be slow or throw, and both deny.
    void (async () => {
      let approve = false;
      try {
        approve = (await approver({ sessionId: this.#deps.sessionId, server, tool: name, arguments: parseArguments(args) })) === true;
      } catch (err) {
        this.#deps.log.warn({ err, server, tool: name }, 'MCP approval policy failed; the call is denied');
      }
      const pending = this.#take(requestId);
      if (pending) await this.#decide(pending.item, approve, approve ? undefined : 'the agent policy did not approve it', pending);
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
    void this.#decide(pending.item, message.approve, message.approve ? undefined : 'the user did not approve it', pending);
  }

  dispose(): void {
    this.#disposed = true;
    for (const pending of this.#approvals.values()) clearTimeout(pending.timer);
    this.#approvals.clear();
    this.#calls.clear();
  }

  #expire(requestId: string): void {
    const pending = this.#take(requestId);
    if (!pending) return;
    this.#deps.log.info({ server: pending.server, tool: pending.name }, 'MCP approval request unanswered; denied');
    this.#deps.edge.send({ type: 'tool.approval.decided', request_id: requestId, approved: false, by: 'timeout' });
    void this.#decide(pending.item, false, 'nobody approved it in time', pending);
  }

  #take(requestId: string): PendingApproval | undefined {
    const pending = this.#approvals.get(requestId);
    if (!pending) return undefined;
    clearTimeout(pending.timer);
    this.#approvals.delete(requestId);
    return pending;
  }

  /** Sends the `mcp_approval_response`; a denied call shows as a failed tool call. */
  async #decide(item: RunToolApprovalItem, approve: boolean, reason: string | undefined, pending?: PendingApproval): Promise<void> {
    if (this.#disposed) return;
    try {
      if (approve) await this.#deps.session.approve(item);
      else await this.#deps.session.reject(item, { message: `Not approved: ${reason}.` });
    } catch (err) {
      this.#deps.log.warn({ err }, 'MCP approval answer could not be sent');
      return;
    }
    this.#deps.log.debug({ server: pending?.server, tool: pending?.name, approve }, 'MCP approval decided');
    if (!approve && pending) {
      const id = (item.rawItem.providerData as { itemId: string }).itemId;
      tellTool(this.#deps, { type: 'tool.call', name: pending.name, call_id: id, arguments: pending.arguments, server: pending.server });
      this.#result(id, pending.server, pending.name, pending.arguments, JSON.stringify({ error: `not approved: ${reason}` }), 'VG_ERR_TOOL_DENIED', 0);
    }
  }

  /** `clientOutput`: what the client is shown instead of `output`, when that is not for its eyes. */
  #result(callId: string, server: string, name: string, args: string, output: string, errorCode: string | undefined, durationMs: number, clientOutput = output): void {
    const shown = clientOutput.length > MAX_CLIENT_OUTPUT_CHARS ? `${clientOutput.slice(0, MAX_CLIENT_OUTPUT_CHARS)}…` : clientOutput;
    const duration = Math.round(durationMs);
    tellTool(this.#deps, { type: 'tool.result', name, call_id: callId, output: shown, error: errorCode !== undefined, duration_ms: duration, server });
    this.#deps.facts.publish('toolFinished', {
      sessionId: this.#deps.sessionId, tool: metricToolName(server, name, this.#deps.server(server)), ok: errorCode === undefined,
      durationMs: duration, errorCode, callId, arguments: args, output: shown,
    });
  }
}

const metricTools = new Map<string, Set<string>>();

/** `server.tool` for the metrics and records, from a bounded set: a server decides its own tool names. */
function metricToolName(server: string, name: string, definition: McpServerDefinition | undefined): string {
  if (definition?.allowedTools) return definition.allowedTools.includes(name) ? `${server}.${name}` : `${server}.other`;
  let seen = metricTools.get(server);
  if (!seen) metricTools.set(server, (seen = new Set()));
  if (!seen.has(name) && seen.size >= MAX_METRIC_TOOLS_PER_SERVER) return `${server}.other`;
  seen.add(name);
  return `${server}.${name}`;
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
