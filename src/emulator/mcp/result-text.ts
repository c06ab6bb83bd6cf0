import type { Conversation } from '../conversation.ts';

// A scripted line can speak what the last MCP call returned, as a model would: `{{mcp_result}}`
// in a `say` step stands for the output of the latest MCP call of the conversation (or its error,
// or that the call was not approved). Scripts stay plain text; only this placeholder is read.

export const MCP_RESULT_PLACEHOLDER = '{{mcp_result}}';

/** The most a line quotes of a result: a spoken answer, not a document. */
const MAX_QUOTED_CHARS = 500;

export function fillMcpResult(text: string, conversation: Conversation): string {
  if (!text.includes(MCP_RESULT_PLACEHOLDER)) return text;
  return text.replaceAll(MCP_RESULT_PLACEHOLDER, latestResult(conversation));
}

function latestResult(conversation: Conversation): string {
  const items = conversation.items;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (item.type === 'mcp_call') {
      const text = item.output ?? `the call failed: ${item.error?.message ?? 'no output'}`;
      return text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}…` : text;
    }
    if (item.type === 'mcp_approval_response' && !item.approve) return 'the call was not approved';
  }
  return 'no MCP result';
}
