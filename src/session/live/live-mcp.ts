import type { Logger } from 'pino';
import type { McpToolCallError } from 'openai/resources/responses/responses';
import type { ClientControl } from '../../edges/edge.ts';
import { McpApprovals } from '../mcp-approvals.ts';
import { followCall, mcpCallFinished, mcpCallOutcome, type McpResultTarget } from '../mcp-results.ts';
import { tellTool } from '../tool-events.ts';
import type { LiveMcpItems, McpApprovalRequestItem, McpCallItem, McpListToolsItem } from './live-tool-round.ts';

// Remote MCP tools on GPT-Live: the delegation backend lists and calls the servers itself, and
// its items arrive inside `response.event`. A finished `mcp_call` is shown to the client as a tool
// call and counted as on Realtime (mcp-results.ts); an approval request is decided as on Realtime
// (mcp-approvals.ts), and LiveToolRound sends the answer when the backend's response is over.


type Decision = { approve: boolean; reason?: string };

export interface LiveMcpDeps extends McpResultTarget {
  log: Logger;
}

export class LiveMcp implements LiveMcpItems {
  readonly #deps: LiveMcpDeps;
  /** When each open call began (performance clock), for its duration. */
  readonly #started = new Map<string, number>();
  readonly #approvals: McpApprovals<(decision: Decision) => void>;

  constructor(deps: LiveMcpDeps) {
    this.#deps = deps;
    this.#approvals = new McpApprovals({
      ...deps,
      answer: (resolve, approve, reason) => {
        resolve({ approve, ...(approve || reason === undefined ? {} : { reason: `Not approved: ${reason}.` }) });
        return Promise.resolve(true);
      },
    });
  }

  callStarted(item: McpCallItem): void {
    followCall(this.#started, item.id, performance.now());
  }

  callDone(item: McpCallItem): void {
    const startedAt = this.#started.get(item.id);
    this.#started.delete(item.id);
    const { id, server_label: server, name, arguments: args } = item;
    tellTool(this.#deps, { type: 'tool.call', name, call_id: id, arguments: args, server });
    mcpCallFinished(this.#deps, {
      callId: id, server, name, arguments: args, durationMs: startedAt === undefined ? 0 : performance.now() - startedAt,
      ...mcpCallOutcome(server, name, failureText(item), item.output),
    });
  }

  listed(item: McpListToolsItem): void {
    const error = item.error;
    if (error === undefined || error === null) return;
    // The server's words can carry its internals: debug only.
    this.#deps.log.warn({ server: item.server_label }, 'the delegation backend could not list an MCP server');
    this.#deps.log.debug({ server: item.server_label, reason: error }, 'the delegation backend could not list an MCP server: reason');
  }

  approval(request: McpApprovalRequestItem): Promise<Decision> {
    return new Promise((resolve) => {
      this.#approvals.request({ requestId: request.id, server: request.server_label, name: request.name, arguments: request.arguments }, resolve);
    });
  }

  /** The client's answer to a `tool.approval` request. */
  control(message: Extract<ClientControl, { type: 'tool.approval' }>): void {
    this.#approvals.control(message);
  }

  dispose(): void {
    this.#approvals.dispose();
    this.#started.clear();
  }
}

/** A failed call's error as text (a Responses MCP error has a message, or the tool's own content). */
function failureText(item: McpCallItem): string | undefined {
  const error: McpToolCallError | null | undefined = item.error;
  if (error === null || error === undefined) return item.status === 'failed' ? 'the call failed' : undefined;
  if ('message' in error && typeof error.message === 'string') return error.message;
  if ('content' in error) return typeof error.content === 'string' ? error.content : JSON.stringify(error.content) ?? 'the call failed';
  return 'the call failed';
}
