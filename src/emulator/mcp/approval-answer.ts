import type { SessionContext } from '../context.ts';
import { createResponse } from '../handlers/responses.ts';
import type { Item } from '../protocol/items.ts';

/**
 * The user answered an MCP approval request (an `mcp_approval_response` item). The service goes
 * on by itself: approved, a response makes the call; denied, the model answers without it.
 */
export function approvalAnswered(ctx: SessionContext, answer: Extract<Item, { type: 'mcp_approval_response' }>): void {
  const request = ctx.mcp.takeApprovalRequest(answer.approval_request_id);
  if (!request) return;
  ctx.logger.debug({ server: request.server_label, tool: request.name, approve: answer.approve }, 'MCP approval answered');
  // Answered while the model is speaking (the caller said "yes" aloud, then pressed Allow): the
  // call is made once that response ends, not lost.
  const respond = (): void => ctx.enqueue(() => {
    if (ctx.responses.active) return ctx.responses.whenIdle(respond);
    return createResponse(ctx, undefined, { kind: 'mcp_approval', approved: answer.approve ? request : null });
  });
  ctx.responses.whenIdle(respond);
}
