import type { Logger } from 'pino';
import type { Conversation } from '../conversation.ts';
import { newItemId } from '../ids.ts';
import { itemToWire, type McpItem } from '../protocol/items.ts';
import type { ServerEvent } from '../protocol/server-events.ts';
import type { McpListingSink } from './session-mcp.ts';

// A Realtime session's MCP listings (§3.1): each is an `mcp_list_tools` conversation item, added
// when the listing begins and done with the server's allowed tools (or none, when it failed).

export interface McpSink {
  readonly conversation: Conversation;
  readonly logger: Logger;
  send(event: ServerEvent): void;
}

export function conversationListing(sink: McpSink): McpListingSink {
  return {
    logger: sink.logger,
    listing: (config) => {
      const item: Extract<McpItem, { type: 'mcp_list_tools' }> = { id: newItemId(), type: 'mcp_list_tools', server_label: config.server_label, tools: [] };
      const previous = sink.conversation.insert(item);
      sink.send({ type: 'conversation.item.added', previous_item_id: previous, item: itemToWire(item) });
      sink.send({ type: 'mcp_list_tools.in_progress', item_id: item.id });
      return (end) => {
        if (end.ok) item.tools = end.tools;
        sink.send({ type: end.ok ? 'mcp_list_tools.completed' : 'mcp_list_tools.failed', item_id: item.id });
        sink.send({ type: 'conversation.item.done', previous_item_id: sink.conversation.previousId(item.id), item: itemToWire(item) });
      };
    },
  };
}
