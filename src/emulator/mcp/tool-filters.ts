import type { McpListedTool } from '../protocol/items.ts';
import type { Tool } from '../protocol/session-config.ts';

// The filters of an MCP session tool (§3.1): which listed tools the model is offered
// (`allowed_tools`) and which of them need the user's approval first (`require_approval`).

export type McpSessionTool = Extract<Tool, { type: 'mcp' }>;
type Filter = { tool_names?: string[]; read_only?: boolean };

/** Whether a filter names the tool, by name or by its `readOnlyHint` annotation. */
function matches(filter: Filter | undefined, tool: McpListedTool): boolean {
  if (!filter) return false;
  if (filter.tool_names?.includes(tool.name)) return true;
  return filter.read_only !== undefined && readOnly(tool) === filter.read_only;
}

function readOnly(tool: McpListedTool): boolean {
  const annotations = tool.annotations;
  return typeof annotations === 'object' && annotations !== null && 'readOnlyHint' in annotations && annotations.readOnlyHint === true;
}

export function isAllowed(config: McpSessionTool, tool: McpListedTool): boolean {
  const allowed = config.allowed_tools;
  if (allowed === undefined || allowed === null) return true;
  return Array.isArray(allowed) ? allowed.includes(tool.name) : matches(allowed, tool);
}

/** Absent, the service asks for approval of every call: that is its documented default. */
export function needsApproval(config: McpSessionTool, tool: McpListedTool): boolean {
  const policy = config.require_approval;
  if (policy === undefined || policy === null || policy === 'always') return true;
  if (policy === 'never') return false;
  if (matches(policy.never, tool)) return false;
  if (matches(policy.always, tool)) return true;
  // A filter that names neither: only the tools it lists under `always` need approval.
  return policy.always === undefined && policy.never !== undefined;
}
