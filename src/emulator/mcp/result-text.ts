import type { Conversation } from '../conversation.ts';
import type { McpCallError } from '../protocol/items.ts';

// A scripted line can speak what the last MCP call returned, as a model would: `{{mcp_result}}`
// in a `say` step stands for the output of the latest MCP call of the conversation (or its error,
// or that the call was not approved). Scripts stay plain text; only this placeholder is read.

export const MCP_RESULT_PLACEHOLDER = '{{mcp_result}}';

/** The most a line quotes of a result: a spoken answer, not a document. */
const MAX_QUOTED_CHARS = 500;

/** The latest MCP outcome a line may quote: a call's output or error, or a denied approval. */
export type McpResultSource = { kind: 'call'; output: string | null | undefined; error: Pick<McpCallError, 'message'> | null | undefined } | { kind: 'denied' };

export function fillMcpResult(text: string, conversation: Conversation): string {
  return fillMcpResultWith(text, () => latestResult(conversation));
}

/** `text` with the placeholder replaced by the quote of `latest` (read only when the placeholder is there). */
export function fillMcpResultWith(text: string, latest: () => McpResultSource | undefined): string {
  if (!text.includes(MCP_RESULT_PLACEHOLDER)) return text;
  return text.replaceAll(MCP_RESULT_PLACEHOLDER, quote(latest()));
}

function quote(source: McpResultSource | undefined): string {
  if (!source) return 'no MCP result';
  if (source.kind === 'denied') return 'the call was not approved';
  const text = source.output ?? `the call failed: ${source.error?.message ?? 'no output'}`;
  return text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}…` : text;
}

function latestResult(conversation: Conversation): McpResultSource | undefined {
  const items = conversation.items;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (item.type === 'mcp_call') return { kind: 'call', output: item.output, error: item.error };
    if (item.type === 'mcp_approval_response' && !item.approve) return { kind: 'denied' };
  }
  return undefined;
}
