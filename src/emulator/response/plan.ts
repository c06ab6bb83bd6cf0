import type { Logger } from 'pino';
import type { ResponseSteps } from '../responder/responder.ts';
import type { Tool, ToolChoice } from '../protocol/session-config.ts';

// Turns the responder's steps into a response's output items, as the model could produce them:
// consecutive `say` steps are one spoken message, and a `call` of a tool the model was not
// given (or may not use under `tool_choice`) is not made: a real model cannot call it.

export type PlannedOutput =
  | { kind: 'message'; text: string }
  | { kind: 'call'; name: string; arguments: string }
  /** A tool of a remote MCP server, called by the service itself (src/emulator/mcp/). */
  | { kind: 'mcp_call'; serverLabel: string; name: string; arguments: string; approvalRequestId: string | null }
  /** The same call, when the session's `require_approval` asks the user first. */
  | { kind: 'mcp_approval_request'; serverLabel: string; name: string; arguments: string };

/** What the plan needs of the session's MCP servers (SessionMcp, with the conversation). */
export interface McpPlanner {
  find(name: string, tools: readonly Tool[], toolChoice: ToolChoice): { serverLabel: string; needsApproval: boolean } | undefined;
  /** A line with the latest MCP result put in for its placeholder. */
  fill(text: string): string;
}

export const UNAVAILABLE_TOOL_REPLY = "Sorry, I can't do that right now.";

export function planOutputs(steps: ResponseSteps, tools: readonly Tool[], toolChoice: ToolChoice, logger: Logger, mcp?: McpPlanner): PlannedOutput[] {
  const outputs: PlannedOutput[] = [];
  const say = (line: string): void => {
    const text = mcp ? mcp.fill(line) : line;
    const last = outputs.at(-1);
    if (last?.kind === 'message') last.text = `${last.text} ${text}`;
    else outputs.push({ kind: 'message', text });
  };
  for (const step of steps) {
    if ('say' in step) {
      say(step.say);
      continue;
    }
    const refusal = callRefusal(step.call, tools, toolChoice);
    const remote = refusal ? mcp?.find(step.call, tools, toolChoice) : undefined;
    if (remote) {
      const call = { serverLabel: remote.serverLabel, name: step.call, arguments: JSON.stringify(step.arguments) };
      outputs.push(remote.needsApproval ? { kind: 'mcp_approval_request', ...call } : { kind: 'mcp_call', ...call, approvalRequestId: null });
      continue;
    }
    if (refusal) {
      logger.warn({ tool: step.call, reason: refusal }, 'scripted tool call not made; saying a fallback instead');
      say(UNAVAILABLE_TOOL_REPLY);
      continue;
    }
    outputs.push({ kind: 'call', name: step.call, arguments: JSON.stringify(step.arguments) });
  }
  return outputs;
}

function callRefusal(name: string, tools: readonly Tool[], toolChoice: ToolChoice): string | null {
  if (!tools.some((tool) => tool.type === 'function' && tool.name === name)) return 'the tool is not among the effective tools';
  if (toolChoice === 'none') return "tool_choice is 'none'";
  if (typeof toolChoice === 'object' && toolChoice.type === 'function' && toolChoice.name !== name) {
    return `tool_choice forces '${toolChoice.name}'`;
  }
  return null;
}
