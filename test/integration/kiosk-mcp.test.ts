import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { downMcpUrl, MCP_STATES_DIR, ORDERS_TOKEN_VAR, ordersClerk, policyClerk } from '../helpers/mcp-agents.ts';
import { startTestMcpServer, type TestMcpServer } from '../helpers/mcp-server.ts';
import { sampleValue } from '../helpers/prometheus.ts';
import type { McpApprovalRequest } from '../../src/engine/mcp-servers.ts';
import type { ConversationScript } from '../../src/emulator/index.ts';

// An agent that names remote MCP servers, end to end: a kiosk device talks to the gateway, the
// gateway configures the backend (the emulator) with the servers, and the backend lists their
// tools and calls them on real MCP servers; approvals go to the device and back.

const script: ConversationScript = {
  name: 'orders',
  turns: [
    { responses: [[{ say: 'Hello, orders desk.' }]] },
    { user: 'Where is order 42?', responses: [[{ call: 'lookup_order', arguments: { order_id: '42' } }], [{ say: 'Update: {{mcp_result}}' }]] },
    { user: 'Cancel order 42.', responses: [[{ call: 'cancel_order', arguments: { order_id: '42' } }], [{ say: 'Cancellation: {{mcp_result}}' }]] },
    { user: 'Cancel order 7.', responses: [[{ call: 'cancel_order', arguments: { order_id: '7' } }], [{ say: 'About order 7: {{mcp_result}}' }]] },
    { user: 'Cancel order 8.', responses: [[{ call: 'cancel_order', arguments: { order_id: '8' } }], [{ say: 'About order 8: {{mcp_result}}' }]] },
    { user: 'Check the old system.', responses: [[{ call: 'down_lookup_order', arguments: { order_id: '5' } }, { say: 'Moving on.' }]] },
    { user: 'Check the slow system.', responses: [[{ call: 'slow_lookup_order', arguments: { order_id: '9' } }], [{ say: 'Slow system: {{mcp_result}}' }]] },
  ],
};

const APPROVAL_TIMEOUT_MS = 1_500;

describe('kiosk edge: an agent with remote MCP servers', () => {
  let gw: TestGateway;
  let orders: TestMcpServer;
  let slow: TestMcpServer;
  let device: KioskClient;

  beforeAll(async () => {
    orders = await startTestMcpServer();
    slow = await startTestMcpServer({ prefix: 'slow_', hangOn: 'slow_lookup_order' });
    process.env[ORDERS_TOKEN_VAR] = 'orders-secret-token';
    const clerk = ordersClerk({ orders: orders.url, down: await downMcpUrl(), slow: slow.url }, APPROVAL_TIMEOUT_MS);
    gw = await startTestGateway({
      script, agents: [clerk], statesDir: MCP_STATES_DIR, mcp: { callTimeoutMs: 500 },
    });
    device = await KioskClient.connect(gw.wsUrl);
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
    // The backend has tried every server (a listing ends completed or failed).
    for (const label of ['orders', 'down', 'slow']) {
      await gw.tap.waitFor((e) => e.direction === 'server' && e.event.type === 'conversation.item.done'
        && (e.event.item as { type: string; server_label?: string }).server_label === label);
    }
  });
  afterAll(async () => {
    device?.close();
    await gw?.close();
    await orders?.close();
    await slow?.close();
    delete process.env[ORDERS_TOKEN_VAR];
  });

  it('offers the servers to the backend, which lists their tools; one that is down fails its listing', async () => {
    const update = gw.tap.clientEvents('session.update').findLast((e) => Array.isArray((e.session as { tools?: unknown }).tools)) as unknown as { session: { tools: { type: string; server_label?: string; server_url?: string; headers?: Record<string, string> }[] } };
    const mcp = update.session.tools.filter((tool) => tool.type === 'mcp');
    expect(mcp.map((tool) => tool.server_label)).toEqual(['orders', 'down', 'slow']);
    // The header's secret comes from the environment, resolved at startup, never from the agent file.
    expect(mcp[0]).toMatchObject({ server_url: orders.url, headers: { Authorization: 'Bearer orders-secret-token' } });
    const listed = (label: string) => gw.tap.events.find((e) => e.event.type === 'conversation.item.done'
      && (e.event.item as { server_label?: string }).server_label === label)?.event.item as { tools: { name: string }[] };
    expect(listed('orders').tools.map((tool) => tool.name).sort()).toEqual(['cancel_order', 'lookup_order']);
    expect(listed('down').tools).toEqual([]);
    // Only the server that is down fails (the backend tries it again on a later session.update).
    const failedItems = gw.tap.events.filter((e) => e.event.type === 'mcp_list_tools.failed').map((e) => e.event.item_id);
    expect(failedItems.length).toBeGreaterThan(0);
    const labelOf = (id: unknown) => (gw.tap.events.find((e) => e.event.type === 'conversation.item.added' && (e.event.item as { id: string }).id === id)?.event.item as { server_label: string }).server_label;
    expect(new Set(failedItems.map(labelOf))).toEqual(new Set(['down']));
    // Secrets never reach the device.
    expect(JSON.stringify(device.events)).not.toContain('orders-secret-token');
  });

  it('the backend calls a tool with the right arguments, the device sees the call, and the agent speaks its result', async () => {
    device.control({ type: 'input_text', text: 'Where is order 42?' });
    const call = await device.waitFor('tool.call', (e) => e.name === 'lookup_order');
    expect(call).toMatchObject({ server: 'orders', arguments: '{"order_id":"42"}' });
    const result = await device.waitFor('tool.result', (e) => e.call_id === call.call_id);
    expect(result).toMatchObject({ server: 'orders', error: false });
    expect(result.output).toMatch(/^Order 42 ships on \w+day\.$/);
    expect(orders.calls.at(-1)).toEqual({ tool: 'lookup_order', arguments: { order_id: '42' }, authorization: 'Bearer orders-secret-token' });
    const spoken = await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && e.text.startsWith('Update:'));
    expect(spoken.text).toBe(`Update: ${result.output}`);
    const audio = await device.waitFor('audio.done', (e) => e.item_id === spoken.item_id);
    expect(audio.audio_ms).toBeGreaterThan(0);
  });

  it('asks the device before an approval-required call; approved, the call is made', async () => {
    const before = orders.calls.length;
    device.control({ type: 'input_text', text: 'Cancel order 42.' });
    const request = await device.waitFor('tool.approval', (e) => e.name === 'cancel_order' && e.arguments.includes('42'));
    expect(request).toMatchObject({ server: 'orders', arguments: '{"order_id":"42"}', timeout_ms: APPROVAL_TIMEOUT_MS });
    expect(orders.calls.length).toBe(before);
    device.control({ type: 'tool.approval', request_id: request.request_id, approve: true });
    const answer = await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'conversation.item.create'
      && (e.event.item as { type: string }).type === 'mcp_approval_response');
    expect(answer.event.item).toMatchObject({ approval_request_id: request.request_id, approve: true });
    const result = await device.waitFor('tool.result', (e) => e.name === 'cancel_order' && e.server === 'orders');
    expect(result).toMatchObject({ error: false, output: 'Order 42 is cancelled.' });
    expect(orders.calls.at(-1)).toMatchObject({ tool: 'cancel_order', arguments: { order_id: '42' } });
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && e.text === 'Cancellation: Order 42 is cancelled.');
  });

  it('denied by the device, the call is not made and the agent says so', async () => {
    const before = orders.calls.length;
    device.control({ type: 'input_text', text: 'Cancel order 7.' });
    const request = await device.waitFor('tool.approval', (e) => e.arguments.includes('"7"'));
    device.control({ type: 'tool.approval', request_id: request.request_id, approve: false });
    const result = await device.waitFor('tool.result', (e) => e.call_id === request.request_id);
    expect(result).toMatchObject({ name: 'cancel_order', server: 'orders', error: true });
    expect(JSON.parse(result.output).error).toMatch(/not approved/);
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && e.text === 'About order 7: the call was not approved');
    expect(orders.calls.length).toBe(before);
  });

  it('a request nobody answers is denied at its timeout', async () => {
    const before = orders.calls.length;
    device.control({ type: 'input_text', text: 'Cancel order 8.' });
    const request = await device.waitFor('tool.approval', (e) => e.arguments.includes('"8"'));
    const decided = await device.waitFor('tool.approval.decided', (e) => e.request_id === request.request_id);
    expect(decided).toMatchObject({ approved: false, by: 'timeout' });
    const answer = await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'conversation.item.create'
      && (e.event.item as { approval_request_id?: string }).approval_request_id === request.request_id);
    expect(answer.event.item).toMatchObject({ approve: false });
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && e.text === 'About order 8: the call was not approved');
    expect(orders.calls.length).toBe(before);
  });

  it('a tool of the server that is down is not called, and the conversation goes on', async () => {
    device.control({ type: 'input_text', text: 'Check the old system.' });
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && e.text.includes('Moving on.'));

    expect(device.events.some((e) => e.type === 'tool.call' && e.server === 'down')).toBe(false);
  });

  it('a call that hangs fails cleanly at its deadline, the agent goes on, and the metrics count every call', async () => {
    device.control({ type: 'input_text', text: 'Check the slow system.' });
    const result = await device.waitFor('tool.result', (e) => e.name === 'slow_lookup_order');
    // The client gets a safe line, not the server's own error text.
    expect(result).toMatchObject({ server: 'slow', error: true, output: '{"error":"the slow server could not run slow_lookup_order"}' });
    await gw.tap.waitFor((e) => e.event.type === 'response.mcp_call.failed');
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && e.text.startsWith('Slow system: the call failed'));
    expect(device.events.some((e) => e.type === 'session.ended')).toBe(false);

    const metrics = await (await fetch(`${gw.httpUrl}/metrics`)).text();
    const calls = (tool: string, outcome: string) => sampleValue(metrics, 'voice_gateway_tool_calls_total', { tool, outcome });
    expect(calls('orders.lookup_order', 'ok')).toBe(1);
    expect(calls('orders.cancel_order', 'ok')).toBe(1);
    expect(calls('orders.cancel_order', 'VG_ERR_TOOL_DENIED')).toBe(2);
    expect(calls('slow.slow_lookup_order', 'VG_ERR_MCP_CALL_FAILED')).toBe(1);
  });
});

describe('kiosk edge: MCP approvals decided by the agent policy', () => {
  let gw: TestGateway;
  let orders: TestMcpServer;
  let device: KioskClient;
  const asked: McpApprovalRequest[] = [];

  beforeAll(async () => {
    orders = await startTestMcpServer();
    const clerk = policyClerk(orders.url, asked);
    gw = await startTestGateway({
      script: {
        name: 'policy',
        turns: [
          { responses: [[{ say: 'Hello.' }]] },
          { user: 'Cancel order 42.', responses: [[{ call: 'cancel_order', arguments: { order_id: '42' } }], [{ say: 'First: {{mcp_result}}' }]] },
          { user: 'Cancel order 7.', responses: [[{ call: 'cancel_order', arguments: { order_id: '7' } }], [{ say: 'Second: {{mcp_result}}' }]] },
        ],
      },
      agents: [clerk], statesDir: MCP_STATES_DIR,
    });
    device = await KioskClient.connect(gw.wsUrl);
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
    await gw.tap.waitFor((e) => e.event.type === 'mcp_list_tools.completed');
  });
  afterAll(async () => {
    device?.close();
    await gw?.close();
    await orders?.close();
  });

  it('approves what the policy allows and denies the rest, without asking the device', async () => {
    device.control({ type: 'input_text', text: 'Cancel order 42.' });
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && e.text === 'First: Order 42 is cancelled.');
    device.control({ type: 'input_text', text: 'Cancel order 7.' });
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && e.text === 'Second: the call was not approved');
    expect(asked).toEqual([
      expect.objectContaining({ server: 'orders', tool: 'cancel_order', arguments: { order_id: '42' } }),
      expect.objectContaining({ server: 'orders', tool: 'cancel_order', arguments: { order_id: '7' } }),
    ]);
    expect(orders.calls.map((call) => call.arguments)).toEqual([{ order_id: '42' }]);
    expect(device.events.some((e) => e.type === 'tool.approval')).toBe(false);
  });
});
