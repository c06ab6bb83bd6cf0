import type { Logger } from 'pino';
import type { ResponseOutputItem } from 'openai/resources/responses/responses';
import type { McpListingSink } from '../mcp/session-mcp.ts';
import { newItemId } from './ids.ts';

// A GPT-Live session's MCP listings: the delegation backend lists its servers when its
// configuration names them (session.start, session.update), announced as the Responses API's
// `mcp_list_tools` item and events, nested in `response.event`. No delegation is running then:
// `delegation_id` is null (T-live: "null when the event cannot be correlated with a delegation").

export type NestedSend = (delegationId: string | null, event: Record<string, unknown>) => void;

export function liveListing(send: NestedSend, logger: Logger): McpListingSink {
  return {
    logger,
    listing: (config) => {
      const item: ResponseOutputItem.McpListTools = { id: newItemId(), type: 'mcp_list_tools', server_label: config.server_label, tools: [] };
      let sequence = 0;
      const nested = (event: Record<string, unknown>) => send(null, { ...event, sequence_number: sequence++ });
      nested({ type: 'response.output_item.added', output_index: 0, item });
      nested({ type: 'response.mcp_list_tools.in_progress', item_id: item.id, output_index: 0 });
      return (end) => {
        const done: ResponseOutputItem.McpListTools = end.ok
          ? { ...item, tools: end.tools.map((tool) => ({ name: tool.name, description: tool.description ?? null, input_schema: tool.input_schema, annotations: tool.annotations ?? null })) }
          : { ...item, error: end.message };
        nested({ type: end.ok ? 'response.mcp_list_tools.completed' : 'response.mcp_list_tools.failed', item_id: item.id, output_index: 0 });
        nested({ type: 'response.output_item.done', output_index: 0, item: done });
      };
    },
  };
}
