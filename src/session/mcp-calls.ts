import type { Logger } from 'pino';
import type { RunToolApprovalItem } from '@openai/agents';
import type { RealtimeSession } from '@openai/agents/realtime';
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import type { ClientControl, EdgeTransport } from '../edges/edge.ts';
import type { McpServerDefinition } from '../engine/mcp-servers.ts';
import type { FactSink } from '../observability/session-facts.ts';
import type { SessionContext } from './agent-runtime.ts';
import { McpApprovals } from './mcp-approvals.ts';
import { followCall, mcpCallFinished, mcpCallOutcome } from './mcp-results.ts';
import { tellTool } from './tool-events.ts';

// Remote MCP tools on Realtime, which the backend calls itself: the client sees each call as a
// tool call (`tool.call` / `tool.result` with the server's label), the metrics and call records
// count it (mcp-results.ts), and a call that needs approval is decided by the agent's policy or
// by the client (mcp-approvals.ts). The backend's MCP items are read defensively: a server's
// output is someone else's text.


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

export class McpCalls {
  readonly #deps: McpCallsDeps;
  readonly #calls = new Map<string, OpenCall>();
  readonly #approvals: McpApprovals<RunToolApprovalItem>;

  constructor(deps: McpCallsDeps) {
    this.#deps = deps;
    this.#approvals = new McpApprovals({
      ...deps,
      answer: async (item, approve, reason) => {
        try {
          if (approve) await deps.session.approve(item);
          else await deps.session.reject(item, { message: `Not approved: ${reason}.` });
          return true;
        } catch (err) {
          deps.log.warn({ err }, 'MCP approval answer could not be sent');
          return false;
        }
      },
    });
  }

  /** A checked backend event (server-event-check.ts): MCP calls become tool calls for the client. */
  serverEvent(event: RealtimeServerEvent): void {
    if ((event.type === 'conversation.item.added' || event.type === 'conversation.item.done') && event.item.type === 'mcp_call') {
      const { item } = event;
      const id = item.id;
      if (event.type === 'conversation.item.added') {
        followCall(this.#calls, id, { name: item.name, server: item.server_label, startedAt: performance.now(), arguments: '' });
        return;
      }
      const call = this.#calls.get(id);
      this.#calls.delete(id);
      if (!call) return;
      mcpCallFinished(this.#deps, {
        callId: id, server: call.server, name: call.name, arguments: item.arguments || call.arguments,
        durationMs: performance.now() - call.startedAt, ...mcpCallOutcome(call.server, call.name, item.error ? (item.error.message ?? 'the call failed') : undefined, item.output),
      });
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
    this.#approvals.request({ requestId: data.itemId, server: data.serverLabel, name: raw.name, arguments: raw.arguments ?? '{}' }, item);
  }

  /** The client's answer to a `tool.approval` request. */
  control(message: Extract<ClientControl, { type: 'tool.approval' }>): void {
    this.#approvals.control(message);
  }

  dispose(): void {
    this.#approvals.dispose();
    this.#calls.clear();
  }
}
