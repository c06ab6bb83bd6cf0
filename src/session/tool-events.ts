import type { ClientEvent, EdgeTransport } from '../edges/edge.ts';
import type { FactSink } from '../observability/session-facts.ts';

export type ToolEvent = Extract<ClientEvent, { type: 'tool.call' | 'tool.result' }>;

/**
 * Tells the edge of a tool call or its result, and the session's facts the same, so a listener
 * hears of every call the client would (moves and transfers included) on an edge with no event
 * channel too: a phone line.
 */
export function tellTool(to: { edge: EdgeTransport; facts: FactSink; sessionId: string }, event: ToolEvent): void {
  to.edge.send(event);
  to.facts.publish('toolEvent', { sessionId: to.sessionId, event });
}
