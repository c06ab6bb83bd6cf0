import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { BackendModel } from '../../../src/emulator/live/backend-model.ts';
import { liveListing } from '../../../src/emulator/live/mcp-listing.ts';
import { DEFAULT_MCP_LIMITS } from '../../../src/emulator/mcp/limits.ts';
import { SessionMcp } from '../../../src/emulator/mcp/session-mcp.ts';
import type { Tool } from '../../../src/emulator/protocol/session-config.ts';
import type { ResponseSteps } from '../../../src/emulator/responder/responder.ts';
import { startTestMcpServer, type TestMcpServer } from '../../helpers/mcp-server.ts';

// The emulated GPT-Live delegation backend with remote MCP servers: hosted calls inside its
// responses, against a real MCP server, in the Responses API's event order; approvals end a
// response and the client's answer continues it.

type Nested = { type: string; item?: { type: string; id: string; status?: string; output?: string | null; approval_request_id?: string } };

const log = pino({ level: 'silent' });

describe('BackendModel: hosted MCP calls', () => {
  let orders: TestMcpServer;
  let mcp: SessionMcp;
  let tools: Tool[];

  beforeAll(async () => {
    orders = await startTestMcpServer();
    mcp = new SessionMcp(DEFAULT_MCP_LIMITS);
    tools = [{ type: 'mcp', server_label: 'orders', server_url: orders.url, require_approval: { never: { tool_names: ['lookup_order'] } } }];
    const listed = new Promise<void>((resolve) => {
      mcp.configure(liveListing((_, event) => { if (event.type === 'response.output_item.done') resolve(); }, log), tools);
    });
    await listed;
  });
  afterAll(async () => {
    mcp.close();
    await orders.close();
  });

  function backend(next: ResponseSteps[] = []) {
    const events: Nested[] = [];
    const spoken: string[] = [];
    let completed: () => void = () => {};
    const model = new BackendModel({
      send: (event) => {
        if (event.type !== 'response.event') return;
        const inner = event.event as Nested;
        events.push(inner);
        if (inner.type === 'response.completed') completed();
      },
      config: () => ({ model: 'gpt-5.1', tools: [] }),
      mcp: { find: (name) => mcp.find(name, tools, 'auto'), call: (server, name, args, signal) => mcp.call(server, name, args, signal) },
      nextSteps: () => next.shift() ?? [],
      called: () => {},
      speak: (text) => spoken.push(text),
      now: () => 0,
      logger: log,
    });
    const response = () => new Promise<void>((resolve) => { completed = resolve; });
    return { model, events, spoken, response };
  }

  it('runs a call that needs no approval inside the response, in order, then the rest of the response', async () => {
    const { model, events, spoken, response } = backend();
    const done = response();
    model.delegate([{ call: 'lookup_order', arguments: { order_id: '42' } }, { say: 'Update: {{mcp_result}}' }]);
    // Mid-call the delegation is busy: the voice does not take another turn over it.
    expect(model.busy).toBe(true);
    await done;
    expect(model.busy).toBe(false);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.output_item.added', 'response.mcp_call.in_progress', 'response.mcp_call_arguments.delta', 'response.mcp_call_arguments.done',
      'response.mcp_call.completed', 'response.output_item.done',
      'response.output_item.added', 'response.output_text.delta', 'response.output_text.done', 'response.output_item.done',
      'response.completed',
    ]);
    const call = events[6].item!;
    expect(call).toMatchObject({ type: 'mcp_call', status: 'completed' });
    expect(call.output).toMatch(/^Order 42 ships on \w+day\.$/);
    expect(spoken).toEqual([`Update: ${call.output}`]);
    expect(orders.calls.at(-1)).toMatchObject({ tool: 'lookup_order', arguments: { order_id: '42' } });
  });

  it('a call that needs approval ends the response; approved, the continuation makes it and goes on', async () => {
    const { model, events, spoken, response } = backend();
    const before = orders.calls.length;
    let done = response();
    model.delegate([{ call: 'cancel_order', arguments: { order_id: '42' } }, { say: 'Cancellation: {{mcp_result}}' }]);
    await done;
    expect(events.map((e) => e.type)).toEqual(['response.created', 'response.output_item.added', 'response.output_item.done', 'response.completed']);
    const request = events[2].item!;
    expect(request.type).toBe('mcp_approval_request');
    expect(spoken).toEqual([]);
    expect(orders.calls.length).toBe(before);
    // Waiting for the answer is waiting: the voice does not take a turn.
    expect(model.busy).toBe(true);
    expect(model.approvalAnswered('mcpr_unknown', true)).toBe(false);
    expect(model.approvalAnswered(request.id, true)).toBe(true);
    expect(model.approvalAnswered(request.id, true)).toBe(false);
    done = response();
    model.create();
    await done;
    const call = events.find((e) => e.type === 'response.output_item.done' && e.item?.type === 'mcp_call')!.item!;
    expect(call).toMatchObject({ approval_request_id: request.id, status: 'completed', output: 'Order 42 is cancelled.' });
    expect(spoken).toEqual(['Cancellation: Order 42 is cancelled.']);
    expect(orders.calls.length).toBe(before + 1);
  });

  it('denied, no call is made and the rest of the response says so', async () => {
    const { model, events, spoken, response } = backend();
    const before = orders.calls.length;
    let done = response();
    model.delegate([{ call: 'cancel_order', arguments: { order_id: '7' } }, { say: 'About order 7: {{mcp_result}}' }]);
    await done;
    const request = events[2].item!;
    model.approvalAnswered(request.id, false);
    done = response();
    model.create();
    await done;
    expect(events.some((e) => e.item?.type === 'mcp_call')).toBe(false);
    expect(spoken).toEqual(['About order 7: the call was not approved']);
    expect(orders.calls.length).toBe(before);
  });
});
