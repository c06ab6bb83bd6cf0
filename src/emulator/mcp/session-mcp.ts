import type { Logger } from 'pino';
import type { McpItem, McpListedTool } from '../protocol/items.ts';
import type { Tool, ToolChoice } from '../protocol/session-config.ts';
import type { McpLimits } from './limits.ts';
import { McpServerLink, type CallOutcome } from './server-link.ts';
import { isAllowed, needsApproval, type McpSessionTool } from './tool-filters.ts';

// The remote MCP servers of one session, as the service handles them (§3.1, §4.1 "MCP"): an
// MCP tool in the session's configuration makes it connect to the server and list its tools; a
// response then calls them by name. How a listing is announced is the voice API's part (the
// Realtime conversation's `mcp_list_tools` item, conversation-listing.ts; GPT-Live's nested
// Responses events, live/mcp-listing.ts). A server that is down, slow or wrong fails its own
// listing or call, never the session.

/** Servers one session may use at once: each holds a connection. */
const MAX_SERVERS = 16;
/** Approval requests left unanswered; past this the oldest is forgotten. */
const MAX_PENDING_APPROVALS = 32;

type ApprovalRequest = Extract<McpItem, { type: 'mcp_approval_request' }>;

interface Server {
  /** What the listing was made for: a changed URL or header connects anew. */
  key: string;
  link: McpServerLink;
  status: 'listing' | 'ready' | 'failed';
  tools: McpListedTool[];
}

/** A listing's end: the server's tools the configuration allows, or its failure (the server's words). */
export type ListingEnd = { ok: true; tools: McpListedTool[] } | { ok: false; message: string };

/** Where a session's listings are announced. */
export interface McpListingSink {
  readonly logger: Logger;
  /** A listing of this server begins; the function returned is told how it ended. */
  listing(config: McpSessionTool): (end: ListingEnd) => void;
}

/** What a response's plan learns of a scripted call that names an MCP tool. */
export interface McpToolMatch {
  serverLabel: string;
  needsApproval: boolean;
}

export class SessionMcp {
  readonly #limits: McpLimits;
  readonly #servers = new Map<string, Server>();
  readonly #pending = new Map<string, ApprovalRequest>();
  #closed = false;

  constructor(limits: McpLimits) {
    this.#limits = limits;
  }

  /** After an accepted configuration: lists every MCP server not listed yet (or changed, or failed before). */
  configure(sink: McpListingSink, tools: readonly Tool[]): void {
    for (const config of tools) {
      if (config.type !== 'mcp' || this.#closed) continue;
      const key = JSON.stringify([config.server_url, config.headers ?? {}]);
      const known = this.#servers.get(config.server_label);
      if (known && known.key === key && known.status !== 'failed') continue;
      if (!known && this.#servers.size >= MAX_SERVERS) {
        sink.logger.warn({ server: config.server_label, max: MAX_SERVERS }, 'too many MCP servers in one session; not listed');
        continue;
      }
      if (known) void known.link.close();
      this.#list(sink, config, key);
    }
  }

  /**
   * The MCP tool `name` as the response may call it: a listed, allowed tool of a server whose MCP
   * tool is among the response's tools, and not ruled out by `tool_choice`.
   */
  find(name: string, tools: readonly Tool[], toolChoice: ToolChoice): McpToolMatch | undefined {
    if (toolChoice === 'none' || (typeof toolChoice === 'object' && toolChoice.type === 'function')) return undefined;
    for (const config of tools) {
      if (config.type !== 'mcp') continue;
      if (typeof toolChoice === 'object' && (toolChoice.server_label !== config.server_label || (toolChoice.name && toolChoice.name !== name))) continue;
      const server = this.#servers.get(config.server_label);
      const tool = server?.status === 'ready' ? server.tools.find((t) => t.name === name) : undefined;
      if (tool && isAllowed(config, tool)) return { serverLabel: config.server_label, needsApproval: needsApproval(config, tool) };
    }
    return undefined;
  }

  async call(serverLabel: string, name: string, rawArguments: string, signal: AbortSignal): Promise<CallOutcome> {
    const server = this.#servers.get(serverLabel);
    if (!server || server.status !== 'ready') return { ok: false, error: { type: 'tool_execution_error', message: `MCP server '${serverLabel}' is not available` } };
    const args = parseObject(rawArguments);
    if (!args) return { ok: false, error: { type: 'tool_execution_error', message: 'the arguments are not a JSON object' } };
    return server.link.callTool(name, args, signal);
  }

  approvalRequested(request: ApprovalRequest): void {
    this.#pending.set(request.id, request);
    if (this.#pending.size > MAX_PENDING_APPROVALS) this.#pending.delete(this.#pending.keys().next().value as string);
  }

  hasApprovalRequest(id: string): boolean {
    return this.#pending.has(id);
  }

  /** The request an `mcp_approval_response` answers, once: a second answer finds nothing. */
  takeApprovalRequest(id: string): ApprovalRequest | undefined {
    const request = this.#pending.get(id);
    this.#pending.delete(id);
    return request;
  }

  close(): void {
    this.#closed = true;
    for (const server of this.#servers.values()) void server.link.close();
    this.#servers.clear();
    this.#pending.clear();
  }

  #list(sink: McpListingSink, config: McpSessionTool, key: string): void {
    const ended = sink.listing(config);
    const link = new McpServerLink({ url: config.server_url ?? '', headers: config.headers ?? {} }, this.#limits);
    const server: Server = { key, link, status: 'listing', tools: [] };
    this.#servers.set(config.server_label, server);
    void (async () => {
      const outcome = config.server_url
        ? await link.listTools()
        : { ok: false as const, message: 'only server_url MCP tools are emulated (no connectors)' };
      if (this.#servers.get(config.server_label) !== server) return; // replaced or closed meanwhile
      if (outcome.ok) {
        server.status = 'ready';
        server.tools = outcome.tools;
        if (outcome.dropped > 0) sink.logger.warn({ server: config.server_label, dropped: outcome.dropped }, 'MCP server listed more tools than kept');
        ended({ ok: true, tools: outcome.tools.filter((tool) => isAllowed(config, tool)) });
      } else {
        server.status = 'failed';
        // The server's words can carry its internals: debug only.
        sink.logger.warn({ server: config.server_label }, 'MCP server listing failed');
        sink.logger.debug({ server: config.server_label, reason: outcome.message }, 'MCP server listing failed: reason');
        ended({ ok: false, message: outcome.message });
      }
    })();
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
