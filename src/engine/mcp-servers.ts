import { hostedMcpTool, type HostedMCPTool } from '@openai/agents';
import type { Tool } from 'openai/resources/responses/responses';
import { VgError } from '../errors.ts';

// Remote MCP servers an agent names: the Realtime backend lists their tools and calls them
// itself (REALTIME_PROTOCOL.md §3.1), so a team's CRM or ticketing server is used as it is,
// not rewritten as local tools. Secrets stay out of agent files: header values name
// environment variables as `${NAME}`, read when the gateway starts.

/** One MCP approval request, as the agent's policy (or the client) is asked it. */
export interface McpApprovalRequest {
  sessionId: string;
  server: string;
  tool: string;
  /** The model's arguments, parsed (personal data: never log them at info level). */
  arguments: unknown;
}

/** Decides an approval request in the gateway; true approves. A throw or a late answer denies. */
export type McpApprovalPolicy = (request: McpApprovalRequest) => boolean | Promise<boolean>;

export interface McpServerDefinition {
  /** The `server_label`: letters, digits, `_` or `-`; tool calls show it. */
  label: string;
  /** The server's streamable-HTTP endpoint, `https://` (or `http://` on loopback). */
  url: string;
  /** Only these of the server's tools are offered; all of them when absent. */
  allowedTools?: readonly string[];
  /**
   * Which calls need approval first: 'always' (the default, as the Realtime API's), 'never', or
   * by tool name (a tool named in neither list needs approval unless `never` alone is given).
   */
  requireApproval?: 'always' | 'never' | { always?: readonly string[]; never?: readonly string[] };
  /** Sent with every request to the server; `${NAME}` in a value is the environment variable NAME. */
  headers?: Readonly<Record<string, string>>;
  /** Who answers approval requests: the client (page or kiosk), the default, or a policy function. */
  approvedBy?: 'client' | McpApprovalPolicy;
  /** How long a request waits for its answer before it is denied; default 30 s. */
  approvalTimeoutMs?: number;
}

const LABEL = /^[a-zA-Z0-9_-]{1,64}$/;
const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
export const DEFAULT_APPROVAL_TIMEOUT_MS = 30_000;

/** What can be wrong with an agent's MCP servers; `env` is where `${NAME}` references must resolve. */
export function mcpServerProblems(at: string, servers: readonly McpServerDefinition[], env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const labels = servers.map((server) => server.label);
  for (const label of new Set(labels.filter((label, index) => labels.indexOf(label) !== index))) problems.push(`${at}: MCP server "${label}" is declared twice`);
  for (const server of servers) {
    const where = `${at}: MCP server ${JSON.stringify(server.label)}`;
    if (!LABEL.test(server.label)) problems.push(`${where}: label must match ${LABEL}`);
    const url = URL.canParse(server.url) ? new URL(server.url) : undefined;
    if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname)))) {
      problems.push(`${where}: url ${JSON.stringify(server.url)} must be an https:// URL (http:// only on loopback)`);
    }
    for (const [name, value] of Object.entries(server.headers ?? {})) {
      if (!HEADER_NAME.test(name)) problems.push(`${where}: header name ${JSON.stringify(name)} is not a valid HTTP header name`);
      for (const [, variable] of value.matchAll(ENV_REFERENCE)) {
        if (!env[variable]) problems.push(`${where}: header ${name} needs the environment variable ${variable}, which is not set`);
      }
    }
    if (server.approvalTimeoutMs !== undefined && !(Number.isInteger(server.approvalTimeoutMs) && server.approvalTimeoutMs > 0)) {
      problems.push(`${where}: approvalTimeoutMs must be a positive whole number of milliseconds`);
    }
  }
  return problems;
}

/** A server's headers with every `${NAME}` replaced by the environment variable's value. */
function resolvedHeaders(server: McpServerDefinition, env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(server.headers ?? {}).map(([name, value]) => [name, value.replace(ENV_REFERENCE, (_, variable: string) => {
    const resolved = env[variable];
    if (!resolved) throw new VgError('VG_ERR_AGENT_INVALID', `MCP server "${server.label}": the environment variable ${variable} is not set`);
    return resolved;
  })]));
}

/**
 * The Responses API's MCP tool for one server (GPT-Live's delegation backend takes it in
 * `delegation.responses.tools`), headers resolved from `env`, the same settings as the SDK's
 * hosted tool of mcpServerTool.
 */
export function mcpServerConfig(server: McpServerDefinition, env: NodeJS.ProcessEnv): Tool.Mcp {
  const headers = resolvedHeaders(server, env);
  const policy = server.requireApproval ?? 'always';
  return {
    type: 'mcp',
    server_label: server.label,
    server_url: server.url,
    ...(server.allowedTools ? { allowed_tools: [...server.allowedTools] } : {}),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    require_approval: typeof policy === 'string' ? policy : {
      ...(policy.always ? { always: { tool_names: [...policy.always] } } : {}),
      ...(policy.never ? { never: { tool_names: [...policy.never] } } : {}),
    },
  };
}

/** The SDK's hosted MCP tool for one server, headers resolved from `env`. */
export function mcpServerTool(server: McpServerDefinition, env: NodeJS.ProcessEnv): HostedMCPTool {
  const headers = resolvedHeaders(server, env);
  const common = {
    serverLabel: server.label,
    serverUrl: server.url,
    ...(server.allowedTools ? { allowedTools: [...server.allowedTools] } : {}),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
  };
  const policy = server.requireApproval ?? 'always';
  if (policy === 'never') return hostedMcpTool({ ...common, requireApproval: 'never' });
  if (policy === 'always') return hostedMcpTool({ ...common, requireApproval: 'always' });
  return hostedMcpTool({
    ...common,
    requireApproval: {
      ...(policy.always ? { always: { toolNames: [...policy.always] } } : {}),
      ...(policy.never ? { never: { toolNames: [...policy.never] } } : {}),
    },
  });
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
