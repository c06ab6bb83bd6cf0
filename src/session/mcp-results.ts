import type { EdgeTransport } from '../edges/edge.ts';
import type { McpServerDefinition } from '../engine/mcp-servers.ts';
import type { FactSink } from '../observability/session-facts.ts';
import { tellTool } from './tool-events.ts';

// A remote MCP call's end as the client and the gateway's facts see it, on either voice API: a
// `tool.result` with the server's label, and a `toolFinished` fact counted as `server.tool`.

/** Output shown to the client; the model had all of it. */
const MAX_CLIENT_OUTPUT_CHARS = 16 * 1024;
/** Distinct tool names per server in the metrics, where the agent does not list them (bounded labels). */
const MAX_METRIC_TOOLS_PER_SERVER = 32;

/** Calls followed at once (an answer has a few); past this the oldest is forgotten. */
const MAX_OPEN_CALLS = 32;

/** Follows an MCP call from its start to its result, on either voice API: bounded, the oldest forgotten first. */
export function followCall<T>(open: Map<string, T>, id: string, value: T): void {
  open.set(id, value);
  if (open.size > MAX_OPEN_CALLS) open.delete(open.keys().next().value as string);
}

export interface McpResultTarget {
  sessionId: string;
  edge: EdgeTransport;
  facts: FactSink;
  /** The current agent's MCP server with this label. */
  server(label: string): McpServerDefinition | undefined;
}

export interface McpFinishedCall {
  callId: string;
  server: string;
  name: string;
  arguments: string;
  /** What the model got: the server's output, or its error. */
  output: string;
  errorCode: string | undefined;
  durationMs: number;
  /** What the client is shown instead of `output`, when that is not for its eyes. */
  clientOutput?: string;
}

/**
 * What a finished `mcp_call` item amounts to; `failure` is its error's text when it failed. The
 * server's error text may carry its internals (an HTTP body): the record keeps it, the client
 * gets a safe line.
 */
export function mcpCallOutcome(server: string, name: string, failure: string | undefined, output: string | null | undefined): Pick<McpFinishedCall, 'output' | 'errorCode' | 'clientOutput'> {
  if (failure === undefined) return { output: output ?? '', errorCode: undefined };
  return {
    output: JSON.stringify({ error: failure }),
    errorCode: 'VG_ERR_MCP_CALL_FAILED',
    clientOutput: JSON.stringify({ error: `the ${server} server could not run ${name}` }),
  };
}

/** Tells the client the call's result and publishes its `toolFinished` fact. */
export function mcpCallFinished(to: McpResultTarget, call: McpFinishedCall): void {
  const clientOutput = call.clientOutput ?? call.output;
  const shown = clientOutput.length > MAX_CLIENT_OUTPUT_CHARS ? `${clientOutput.slice(0, MAX_CLIENT_OUTPUT_CHARS)}…` : clientOutput;
  const duration = Math.round(call.durationMs);
  const { server, name, callId, errorCode } = call;
  tellTool(to, { type: 'tool.result', name, call_id: callId, output: shown, error: errorCode !== undefined, duration_ms: duration, server });
  to.facts.publish('toolFinished', {
    sessionId: to.sessionId, tool: metricToolName(server, name, to.server(server)), ok: errorCode === undefined,
    durationMs: duration, errorCode, callId, arguments: call.arguments, output: shown,
  });
}

/** A call nobody approved: shown as a failed tool call (its id is the approval request's). */
export function mcpCallDenied(to: McpResultTarget, requestId: string, server: string, name: string, args: string, reason: string): void {
  tellTool(to, { type: 'tool.call', name, call_id: requestId, arguments: args, server });
  mcpCallFinished(to, { callId: requestId, server, name, arguments: args, output: JSON.stringify({ error: `not approved: ${reason}` }), errorCode: 'VG_ERR_TOOL_DENIED', durationMs: 0 });
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
