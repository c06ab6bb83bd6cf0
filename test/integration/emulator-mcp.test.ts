import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type ConversationScript, type RunningEmulator } from '../../src/emulator/index.ts';
import { startTestMcpServer, type TestMcpServer } from '../helpers/mcp-server.ts';
import { FAST_TIMING, RawClient } from './emulator-client.ts';

// The emulator as a Realtime client sees it with remote MCP tools: it lists a real MCP server's
// tools, makes the scripted calls on it, asks for approval when the session says so, and a server
// that is down or hangs fails its listing or call cleanly while the session goes on.

const script: ConversationScript = {
  name: 'mcp',
  turns: [
    { user: 'Where is order 42?', responses: [[{ call: 'lookup_order', arguments: { order_id: '42' } }], [{ say: 'Here it is: {{mcp_result}}' }]] },
    { user: 'Cancel it.', responses: [[{ call: 'cancel_order', arguments: { order_id: '42' } }], [{ say: 'About that: {{mcp_result}}' }]] },
  ],
};

let emulator: RunningEmulator;
let orders: TestMcpServer;
let hanging: TestMcpServer;
let downUrl: string;

beforeAll(async () => {
  emulator = await startEmulator({ script, timing: FAST_TIMING, mcp: { listTimeoutMs: 2_000, callTimeoutMs: 300 } });
  orders = await startTestMcpServer();
  hanging = await startTestMcpServer({ hangOn: 'lookup_order' });
  // A port that was just free: nothing listens there.
  const probe: Server = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  downUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/mcp`;
  await new Promise((resolve) => probe.close(resolve));
});

afterAll(async () => {
  await emulator.close();
  await orders.close();
  await hanging.close();
});

async function sessionWith(tools: object[]): Promise<RawClient> {
  const client = await RawClient.connect(`${emulator.url}?model=gpt-realtime`);
  client.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'], tools } });
  return client;
}

function say(client: RawClient, text: string): void {
  client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } });
  client.send({ type: 'response.create' });
}

describe('emulator: remote MCP tools', () => {
  it('lists the tools, calls one with the scripted arguments, and the next answer speaks its output', async () => {
    const client = await sessionWith([{ type: 'mcp', server_label: 'orders', server_url: orders.url, require_approval: 'never', headers: { Authorization: 'Bearer t0ken' } }]);
    const listed = await client.log.waitFor('conversation.item.done', (e) => e.item.type === 'mcp_list_tools');
    expect(client.log.types().filter((t) => t.startsWith('mcp_list_tools') || t.startsWith('conversation.item'))).toEqual([
      'conversation.item.added', 'mcp_list_tools.in_progress', 'mcp_list_tools.completed', 'conversation.item.done',
    ]);
    expect(listed.item.type === 'mcp_list_tools' && listed.item.tools.map((t) => t.name).sort()).toEqual(['cancel_order', 'lookup_order']);

    const from = client.log.length;
    say(client, 'Where is order 42?');
    const done = await client.log.waitFor('response.output_item.done', (e) => e.item.type === 'mcp_call', { from });
    expect(done.item).toMatchObject({ type: 'mcp_call', server_label: 'orders', name: 'lookup_order', arguments: '{"order_id":"42"}', error: null });
    const output = done.item.type === 'mcp_call' ? done.item.output : undefined;
    expect(output).toMatch(/^Order 42 ships on \w+day\.$/);
    expect(orders.calls.at(-1)).toEqual({ tool: 'lookup_order', arguments: { order_id: '42' }, authorization: 'Bearer t0ken' });
    const mcpTypes = [...new Set(client.log.types(from, true).filter((t) => t.includes('mcp')))];
    expect(mcpTypes).toEqual(['response.mcp_call_arguments.delta', 'response.mcp_call_arguments.done', 'response.mcp_call.in_progress', 'response.mcp_call.completed']);

    // The model's next answer (the client asks for it, as the Agents SDK does) quotes the output.
    const next = client.log.length;
    client.send({ type: 'response.create' });
    const text = await client.log.waitFor('response.output_text.done', () => true, { from: next });
    expect(text.text).toBe(`Here it is: ${output}`);
    client.close();
  });

  it('asks for approval first; approved, it makes the call, denied, it answers without it', async () => {
    const client = await sessionWith([{ type: 'mcp', server_label: 'orders', server_url: orders.url, require_approval: { never: { tool_names: ['lookup_order'] } } }]);
    await client.log.waitFor('mcp_list_tools.completed');
    say(client, 'Where is order 42?');
    await client.log.waitFor('response.output_item.done', (e) => e.item.type === 'mcp_call');
    client.send({ type: 'response.create' });
    await client.log.waitFor('response.output_text.done');

    const before = orders.calls.length;
    let from = client.log.length;
    say(client, 'Cancel it.');
    const request = await client.log.waitFor('conversation.item.done', (e) => e.item.type === 'mcp_approval_request', { from });
    expect(request.item).toMatchObject({ type: 'mcp_approval_request', server_label: 'orders', name: 'cancel_order', arguments: '{"order_id":"42"}' });
    await client.log.waitFor('response.done', () => true, { from });
    expect(orders.calls.length).toBe(before);

    // A yes: the service goes on by itself and makes the call, tied to the request.
    from = client.log.length;
    client.send({ type: 'conversation.item.create', item: { type: 'mcp_approval_response', approval_request_id: request.item.id, approve: true } });
    const call = await client.log.waitFor('response.output_item.done', (e) => e.item.type === 'mcp_call', { from });
    expect(call.item).toMatchObject({ name: 'cancel_order', approval_request_id: request.item.id, output: 'Order 42 is cancelled.' });
    expect(orders.calls.at(-1)?.tool).toBe('cancel_order');

    // Answering the same request again is an error: it was answered.
    from = client.log.length;
    client.send({ type: 'conversation.item.create', item: { type: 'mcp_approval_response', approval_request_id: request.item.id, approve: true } });
    const error = await client.log.waitFor('error', () => true, { from });
    expect(error.error.param).toBe('item.approval_request_id');
    client.close();
  });

  it('a denied request is not called, and the next answer says so', async () => {
    const client = await sessionWith([{ type: 'mcp', server_label: 'orders', server_url: orders.url, require_approval: 'always' }]);
    await client.log.waitFor('mcp_list_tools.completed');
    say(client, 'Where is order 42?');
    const request = await client.log.waitFor('conversation.item.done', (e) => e.item.type === 'mcp_approval_request');
    await client.log.waitFor('response.done');
    const before = orders.calls.length;
    const from = client.log.length;
    client.send({ type: 'conversation.item.create', item: { type: 'mcp_approval_response', approval_request_id: request.item.id, approve: false, reason: 'no' } });
    const text = await client.log.waitFor('response.output_text.done', () => true, { from });
    expect(text.text).toBe('Here it is: the call was not approved');
    expect(client.log.of('response.mcp_call.in_progress', from)).toHaveLength(0);
    expect(orders.calls.length).toBe(before);
    client.close();
  });

  it('a server that is down fails its listing; its tools are not offered and the session goes on', async () => {
    const client = await sessionWith([{ type: 'mcp', server_label: 'down', server_url: downUrl, require_approval: 'never' }]);
    const failed = await client.log.waitFor('mcp_list_tools.failed');
    const done = await client.log.waitFor('conversation.item.done', (e) => e.item.id === failed.item_id);
    expect(done.item).toMatchObject({ type: 'mcp_list_tools', server_label: 'down', tools: [] });
    say(client, 'Where is order 42?');
    const text = await client.log.waitFor('response.output_text.done');
    expect(text.text).toBe("Sorry, I can't do that right now.");
    expect(client.log.of('error')).toHaveLength(0);
    client.close();
  });

  it('a call that hangs fails at its deadline, and the session goes on', async () => {
    const client = await sessionWith([{ type: 'mcp', server_label: 'slow', server_url: hanging.url, require_approval: 'never' }]);
    await client.log.waitFor('mcp_list_tools.completed');
    say(client, 'Where is order 42?');
    const done = await client.log.waitFor('response.output_item.done', (e) => e.item.type === 'mcp_call');
    expect(client.log.of('response.mcp_call.failed')).toHaveLength(1);
    expect(done.item.type === 'mcp_call' && done.item.error?.message).toMatch(/time/i);
    const response = await client.log.waitFor('response.done');
    expect(response.response.status).toBe('completed');
    const from = client.log.length;
    client.send({ type: 'response.create' });
    const text = await client.log.waitFor('response.output_text.done', () => true, { from });
    expect(text.text).toMatch(/^Here it is: the call failed: /);
    client.close();
  });
});
