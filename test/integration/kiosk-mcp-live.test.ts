import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionStartEvent } from 'openai/resources/live/live';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { downMcpUrl, MCP_STATES_DIR, ORDERS_TOKEN_VAR, ordersClerk, policyClerk } from '../helpers/mcp-agents.ts';
import { startTestMcpServer, type TestMcpServer } from '../helpers/mcp-server.ts';
import { sampleValue } from '../helpers/prometheus.ts';
import { speechPcm } from '../helpers/speech.ts';
import type { TappedEvent } from '../helpers/ws-tap.ts';
import type { McpApprovalRequest } from '../../src/engine/mcp-servers.ts';
import { loggerOptions } from '../../src/observability/logger.ts';
import type { ConversationScript } from '../../src/emulator/index.ts';

// An agent that names remote MCP servers, end to end on GPT-Live: a kiosk device talks to the
// gateway, the gateway gives the servers to the Responses delegation backend (the emulator) as
// hosted `mcp` tools, and the backend lists their tools and calls them on real MCP servers
// inside its responses; approvals go to the device and back as `mcp_approval_response`.

// On GPT-Live a hosted call is part of the backend's response: the line that quotes it follows in the same response.
const script: ConversationScript = {
  name: 'orders',
  turns: [
    { responses: [[{ say: 'Hello, orders desk.' }]] },
    { user: 'Where is order 42?', responses: [[{ call: 'lookup_order', arguments: { order_id: '42' } }, { say: 'Update: {{mcp_result}}' }]] },
    { user: 'Cancel order 42.', responses: [[{ call: 'cancel_order', arguments: { order_id: '42' } }, { say: 'Cancellation: {{mcp_result}}' }]] },
    { user: 'Cancel order 7.', responses: [[{ call: 'cancel_order', arguments: { order_id: '7' } }, { say: 'About order 7: {{mcp_result}}' }]] },
    { user: 'Check the old system.', responses: [[{ call: 'down_lookup_order', arguments: { order_id: '5' } }, { say: 'Moving on.' }]] },
    { user: 'Check the slow system.', responses: [[{ call: 'slow_lookup_order', arguments: { order_id: '9' } }, { say: 'Slow system: {{mcp_result}}' }]] },
  ],
};

const APPROVAL_TIMEOUT_MS = 5_000;

/**
 * The script's next caller line, as real speech from the device (a spoken turn moves the script on;
 * the emulator's transcript of it is the caller line). That line closes only when the agent speaks
 * next, so it is not awaited.
 */
async function say(device: KioskClient, text: string): Promise<void> {
  device.reportPlayed(device.receivedSinceClearMs);
  await device.sendPcm(await speechPcm(text, { leadingSilenceMs: 300, trailingSilenceMs: 1000 }), 4);
}

type Nested = { type: string; item_id?: string; item?: { type: string; id: string; server_label?: string; tools?: { name: string }[]; error?: string | null } };
const nested = (e: TappedEvent): Nested | undefined => (e.direction === 'server' && e.event.type === 'response.event' ? e.event.event as Nested : undefined);
/** The backend's `mcp_list_tools` item of a server, once its listing ended. */
const listingDone = (label: string) => (e: TappedEvent) => {
  const event = nested(e);
  return event?.type === 'response.output_item.done' && event.item?.type === 'mcp_list_tools' && event.item.server_label === label;
};

describe('kiosk edge on GPT-Live: an agent with remote MCP servers', () => {
  let gw: TestGateway;
  let orders: TestMcpServer;
  let slow: TestMcpServer;
  let device: KioskClient;
  /** What the gateway (and the emulator beside it) logged, at every level. */
  const lines: string[] = [];

  /** The agent's line that starts with `prefix`, heard to its end. */
  async function spoken(prefix: string) {
    const line = await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && e.text.trim().startsWith(prefix));
    await device.waitFor('audio.done', (e) => e.item_id === line.item_id);
    return line;
  }

  beforeAll(async () => {
    orders = await startTestMcpServer();
    slow = await startTestMcpServer({ prefix: 'slow_', hangOn: 'slow_lookup_order' });
    process.env[ORDERS_TOKEN_VAR] = 'orders-secret-token';
    const clerk = ordersClerk({ orders: orders.url, down: await downMcpUrl(), slow: slow.url }, APPROVAL_TIMEOUT_MS);
    gw = await startTestGateway({
      script, agents: [clerk], statesDir: MCP_STATES_DIR, mcp: { callTimeoutMs: 500 }, api: 'live',
      logger: pino(loggerOptions('debug'), { write: (line: string) => void lines.push(line) }),
    });
    device = await KioskClient.connect(gw.wsUrl);
    await spoken('Hello, orders desk.');
    for (const label of ['orders', 'down', 'slow']) await gw.tap.waitFor(listingDone(label));
  });
  afterAll(async () => {
    device?.close();
    await gw?.close();
    await orders?.close();
    await slow?.close();
    delete process.env[ORDERS_TOKEN_VAR];
  });

  it('gives the servers to the delegation backend, which lists their tools; one that is down fails its listing, not the call', async () => {
    const start = gw.tap.clientEvents('session.start')[0] as unknown as SessionStartEvent;
    const delegation = start.session.delegation;
    const tools = (delegation?.type === 'responses' ? delegation.responses.tools ?? [] : []) as { type: string; server_label?: string; server_url?: string; headers?: Record<string, string>; require_approval?: unknown }[];
    const mcp = tools.filter((tool) => tool.type === 'mcp');
    expect(mcp.map((tool) => tool.server_label)).toEqual(['orders', 'down', 'slow']);
    // The header's secret comes from the environment, resolved at startup, never from the agent file.
    expect(mcp[0]).toMatchObject({ server_url: orders.url, headers: { Authorization: 'Bearer orders-secret-token' }, require_approval: { never: { tool_names: ['lookup_order'] } } });
    const listed = (label: string) => nested(gw.tap.events.find(listingDone(label))!)!.item!;
    expect(listed('orders').tools!.map((tool) => tool.name).sort()).toEqual(['cancel_order', 'lookup_order']);
    expect(listed('orders').error ?? null).toBeNull();
    expect(listed('down')).toMatchObject({ tools: [] });
    expect(listed('down').error).toEqual(expect.any(String));
    const failed = gw.tap.events.flatMap((e) => (nested(e)?.type === 'response.mcp_list_tools.failed' ? [nested(e)!.item_id] : []));
    expect(failed).toEqual([listed('down').id]);
    // The gateway logs the failure with the server's label; the server's own words only at debug.
    const logged = lines.map((line) => JSON.parse(line) as { level: number; msg: string; server?: string; reason?: string });
    const failures = logged.filter((l) => l.msg.startsWith('the delegation backend could not list an MCP server'));
    expect(failures.find((l) => l.level === 40)).toEqual(expect.objectContaining({ server: 'down' }));
    expect(failures.find((l) => l.level === 40)).not.toHaveProperty('reason');
    expect(failures.find((l) => l.level === 20)).toEqual(expect.objectContaining({ server: 'down', reason: listed('down').error }));
    // Secrets never reach the device, and the call goes on.
    expect(JSON.stringify(device.events)).not.toContain('orders-secret-token');
    expect(device.events.some((e) => e.type === 'session.ended')).toBe(false);
  });

  it('the backend calls a tool with the right arguments, the device sees the call, and the agent speaks its result', async () => {
    await say(device, 'Where is order 42?');
    const call = await device.waitFor('tool.call', (e) => e.name === 'lookup_order');
    expect(call).toMatchObject({ server: 'orders', arguments: '{"order_id":"42"}' });
    const result = await device.waitFor('tool.result', (e) => e.call_id === call.call_id);
    expect(result).toMatchObject({ server: 'orders', error: false });
    expect(result.output).toMatch(/^Order 42 ships on \w+day\.$/);
    expect(orders.calls.at(-1)).toEqual({ tool: 'lookup_order', arguments: { order_id: '42' }, authorization: 'Bearer orders-secret-token' });
    const line = await spoken('Update:');
    expect(line.text.trim()).toBe(`Update: ${result.output}`);
    // The backend ran it: the gateway sent no output and asked for no continuation.
    expect(gw.tap.clientEvents('response.item.create')).toEqual([]);
    expect(gw.tap.clientEvents('response.create')).toEqual([]);
  });

  it('asks the device before an approval-required call; approved, the call is made', async () => {
    const before = orders.calls.length;
    await say(device, 'Cancel order 42.');
    const request = await device.waitFor('tool.approval', (e) => e.name === 'cancel_order' && e.arguments.includes('42'));
    expect(request).toMatchObject({ server: 'orders', arguments: '{"order_id":"42"}', timeout_ms: APPROVAL_TIMEOUT_MS });
    expect(orders.calls.length).toBe(before);
    device.control({ type: 'tool.approval', request_id: request.request_id, approve: true });
    const answer = await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'response.item.create'
      && (e.event.item as { type: string }).type === 'mcp_approval_response');
    expect(answer.event.item).toMatchObject({ approval_request_id: request.request_id, approve: true });
    // One continuation, right after the answer.
    const after = gw.tap.events.slice(gw.tap.events.indexOf(answer) + 1).filter((e) => e.direction === 'client');
    expect(after[0]?.event.type).toBe('response.create');
    const result = await device.waitFor('tool.result', (e) => e.name === 'cancel_order' && e.server === 'orders' && !e.error);
    expect(result.output).toBe('Order 42 is cancelled.');
    expect(orders.calls.at(-1)).toMatchObject({ tool: 'cancel_order', arguments: { order_id: '42' } });
    await spoken('Cancellation: Order 42 is cancelled.');
    expect(gw.tap.clientEvents('response.create')).toHaveLength(1);
  });

  it('denied by the device, the call never reaches the server, shows as a failed tool call, and the agent says so', async () => {
    const before = orders.calls.length;
    await say(device, 'Cancel order 7.');
    const request = await device.waitFor('tool.approval', (e) => e.arguments.includes('"7"'));
    device.control({ type: 'tool.approval', request_id: request.request_id, approve: false });
    const result = await device.waitFor('tool.result', (e) => e.call_id === request.request_id);
    expect(result).toMatchObject({ name: 'cancel_order', server: 'orders', error: true });
    expect(JSON.parse(result.output).error).toMatch(/not approved/);
    const answer = await gw.tap.waitFor((e) => e.direction === 'client' && e.event.type === 'response.item.create'
      && (e.event.item as { approval_request_id?: string }).approval_request_id === request.request_id);
    expect(answer.event.item).toMatchObject({ approve: false });
    await spoken('About order 7: the call was not approved');
    expect(orders.calls.length).toBe(before);
  });

  it('a tool of the server that is down is not called, and the conversation goes on', async () => {
    await say(device, 'Check the old system.');
    await spoken('Moving on.');
    expect(device.events.some((e) => e.type === 'tool.call' && e.server === 'down')).toBe(false);
  });

  it('a call that hangs fails cleanly at its deadline, the agent goes on, and the metrics count every call', async () => {
    await say(device, 'Check the slow system.');
    const result = await device.waitFor('tool.result', (e) => e.name === 'slow_lookup_order');
    // The client gets a safe line, not the server's own error text.
    expect(result).toMatchObject({ server: 'slow', error: true, output: '{"error":"the slow server could not run slow_lookup_order"}' });
    await gw.tap.waitFor((e) => nested(e)?.type === 'response.mcp_call.failed');
    await spoken('Slow system: the call failed');
    expect(device.events.some((e) => e.type === 'session.ended')).toBe(false);

    const metrics = await (await fetch(`${gw.httpUrl}/metrics`)).text();
    const calls = (tool: string, outcome: string) => sampleValue(metrics, 'voice_gateway_tool_calls_total', { tool, outcome });
    expect(calls('orders.lookup_order', 'ok')).toBe(1);
    expect(calls('orders.cancel_order', 'ok')).toBe(1);
    expect(calls('orders.cancel_order', 'VG_ERR_TOOL_DENIED')).toBe(1);
    expect(calls('slow.slow_lookup_order', 'VG_ERR_MCP_CALL_FAILED')).toBe(1);
  });
});

describe('kiosk edge on GPT-Live: MCP approvals decided by the agent policy', () => {
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
          { user: 'Cancel order 42.', responses: [[{ call: 'cancel_order', arguments: { order_id: '42' } }, { say: 'First: {{mcp_result}}' }]] },
          { user: 'Cancel order 7.', responses: [[{ call: 'cancel_order', arguments: { order_id: '7' } }, { say: 'Second: {{mcp_result}}' }]] },
        ],
      },
      agents: [clerk], statesDir: MCP_STATES_DIR, api: 'live',
    });
    device = await KioskClient.connect(gw.wsUrl);
    const hello = await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
    await device.waitFor('audio.done', (e) => e.item_id === hello.item_id);
    await gw.tap.waitFor(listingDone('orders'));
  });
  afterAll(async () => {
    device?.close();
    await gw?.close();
    await orders?.close();
  });

  it('approves what the policy allows and denies the rest, without asking the device', async () => {
    await say(device, 'Cancel order 42.');
    const first = await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && e.text.trim() === 'First: Order 42 is cancelled.');
    await device.waitFor('audio.done', (e) => e.item_id === first.item_id);
    await say(device, 'Cancel order 7.');
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && e.text.trim() === 'Second: the call was not approved');
    expect(asked).toEqual([
      expect.objectContaining({ server: 'orders', tool: 'cancel_order', arguments: { order_id: '42' } }),
      expect.objectContaining({ server: 'orders', tool: 'cancel_order', arguments: { order_id: '7' } }),
    ]);
    expect(orders.calls.map((call) => call.arguments)).toEqual([{ order_id: '42' }]);
    expect(device.events.some((e) => e.type === 'tool.approval')).toBe(false);
  });
});
