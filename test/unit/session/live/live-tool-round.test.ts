import { describe, expect, it } from 'vitest';
import pino from 'pino';
import type { ClientEvent, ResponseEvent } from 'openai/resources/live/live';
import { LiveToolRound, type LiveToolCall, type McpApprovalRequestItem, type McpCallItem } from '../../../../src/session/live/live-tool-round.ts';

const nested = (event: Record<string, unknown>): ResponseEvent => ({ type: 'response.event', event_id: 'e', delegation_id: 'd', event });
const callDone = (callId: string, name = 'lookup') => nested({
  type: 'response.output_item.done', item: { type: 'function_call', status: 'completed', call_id: callId, name, arguments: '{}' },
});

function round() {
  const sent: ClientEvent[] = [];
  const releases = new Map<string, (output: string) => void>();
  const runs: LiveToolCall[] = [];
  const orphans: { call: LiveToolCall; output: string }[] = [];
  const mcpCalls: McpCallItem[] = [];
  const asked: McpApprovalRequestItem[] = [];
  const decide = new Map<string, (decision: { approve: boolean; reason?: string }) => void>();
  const tools = new LiveToolRound({
    mcp: {
      callStarted: () => {},
      callDone: (item) => mcpCalls.push(item),
      listed: () => {},
      approval: (request) => {
        asked.push(request);
        return new Promise((resolve) => decide.set(request.id, resolve));
      },
    },
    orphaned: (call, output) => orphans.push({ call, output }),
    run: (call) => {
      runs.push(call);
      return new Promise((resolve) => releases.set(call.callId, resolve));
    },
    send: (event) => sent.push(event),
    log: pino({ level: 'silent' }),
  });
  const settle = () => new Promise((r) => setImmediate(r));
  return {
    tools, sent, runs, orphans, mcpCalls, asked,
    finish: async (id: string) => { releases.get(id)!(`{"id":"${id}"}`); await settle(); },
    decide: async (id: string, approve: boolean, reason?: string) => { decide.get(id)!({ approve, ...(reason ? { reason } : {}) }); await settle(); },
  };
}

describe('LiveToolRound: function calls of Responses delegation', () => {
  it('a call running when its session is lost hands its output on, not to the new session', async () => {
    const { tools, sent, orphans, finish } = round();
    tools.event(nested({ type: 'response.created' }));
    tools.event(callDone('c1'));
    tools.event(nested({ type: 'response.completed' }));
    tools.connectionLost();
    await finish('c1');
    expect(sent).toEqual([]);
    expect(orphans).toEqual([{ call: { callId: 'c1', name: 'lookup', arguments: '{}' }, output: '{"id":"c1"}' }]);
    // The new session's calls run and answer as before.
    tools.event(nested({ type: 'response.created' }));
    tools.event(callDone('c2'));
    tools.event(nested({ type: 'response.completed' }));
    await finish('c2');
    expect(sent.map((e) => e.type)).toEqual(['response.item.create', 'response.create']);
  });

  it('answers parallel calls and asks for the continuation once, after the response and every output', async () => {
    const { tools, sent, runs, finish } = round();
    tools.event(nested({ type: 'response.created' }));
    tools.event(callDone('c1'));
    tools.event(callDone('c2'));
    tools.event(callDone('c1')); // a repeated call id runs once
    expect(runs.map((r) => r.callId)).toEqual(['c1', 'c2']);
    await finish('c2');
    tools.event(nested({ type: 'response.completed' }));
    expect(sent.map((e) => e.type)).toEqual(['response.item.create']);
    await finish('c1');
    expect(sent.map((e) => e.type)).toEqual(['response.item.create', 'response.item.create', 'response.create']);
    expect(sent[1]).toEqual({ type: 'response.item.create', item: { type: 'function_call_output', call_id: 'c1', output: '{"id":"c1"}' } });
  });

  it('waits for response.completed when the outputs come first', async () => {
    const { tools, sent, finish } = round();
    tools.event(nested({ type: 'response.created' }));
    tools.event(callDone('c1'));
    await finish('c1');
    expect(sent.map((e) => e.type)).toEqual(['response.item.create']);
    tools.event(nested({ type: 'response.completed' }));
    expect(sent.map((e) => e.type)).toEqual(['response.item.create', 'response.create']);
  });

  it('forgets the calls of a failed response, and ignores calls still in progress', async () => {
    const { tools, sent, runs, finish } = round();
    tools.event(nested({ type: 'response.created' }));
    tools.event(nested({ type: 'response.output_item.done', item: { type: 'function_call', status: 'in_progress', call_id: 'c0', name: 'x', arguments: '' } }));
    tools.event(callDone('c1'));
    tools.event(nested({ type: 'response.failed' }));
    await finish('c1');
    expect(runs.map((r) => r.callId)).toEqual(['c1']);
    expect(sent).toEqual([]);
  });

  it('sends no continuation for a response without calls', () => {
    const { tools, sent } = round();
    tools.event(nested({ type: 'response.created' }));
    tools.event(nested({ type: 'response.completed' }));
    expect(sent).toEqual([]);
  });
});

const approvalRequest = (id: string) => nested({
  type: 'response.output_item.done', item: { type: 'mcp_approval_request', id, server_label: 'orders', name: 'cancel_order', arguments: '{"order_id":"7"}' },
});
const mcpCallDone = (id: string) => nested({
  type: 'response.output_item.done',
  item: { type: 'mcp_call', id, server_label: 'orders', name: 'lookup_order', arguments: '{"order_id":"42"}', output: 'ok', status: 'completed' },
});

describe('LiveToolRound: hosted MCP items', () => {
  it('a done mcp_call is reported once and asks for no continuation (the backend ran it)', () => {
    const { tools, sent, mcpCalls } = round();
    tools.event(nested({ type: 'response.created' }));
    tools.event(mcpCallDone('mcp_1'));
    tools.event(mcpCallDone('mcp_1'));
    tools.event(nested({ type: 'response.completed' }));
    expect(mcpCalls.map((c) => c.id)).toEqual(['mcp_1']);
    expect(sent).toEqual([]);
  });

  it('an approval decided before the response completed is answered after it, with one response.create', async () => {
    const { tools, sent, asked, decide } = round();
    tools.event(nested({ type: 'response.created' }));
    tools.event(approvalRequest('mcpr_1'));
    expect(asked.map((r) => r.id)).toEqual(['mcpr_1']);
    await decide('mcpr_1', true);
    expect(sent).toEqual([]);
    tools.event(nested({ type: 'response.completed' }));
    expect(sent).toEqual([
      { type: 'response.item.create', item: { type: 'mcp_approval_response', approval_request_id: 'mcpr_1', approve: true } },
      { type: 'response.create' },
    ]);
  });

  it('waits for every pending output, function calls and approvals alike, then continues once', async () => {
    const { tools, sent, decide, finish } = round();
    tools.event(nested({ type: 'response.created' }));
    tools.event(callDone('c1'));
    tools.event(approvalRequest('mcpr_1'));
    tools.event(approvalRequest('mcpr_1')); // a repeated request is asked once
    tools.event(nested({ type: 'response.completed' }));
    await decide('mcpr_1', false, 'Not approved: the user did not approve it.');
    expect(sent).toEqual([]);
    await finish('c1');
    expect(sent.map((e) => e.type)).toEqual(['response.item.create', 'response.item.create', 'response.create']);
    expect(sent[1]).toEqual({
      type: 'response.item.create',
      item: { type: 'mcp_approval_response', approval_request_id: 'mcpr_1', approve: false, reason: 'Not approved: the user did not approve it.' },
    });
  });

  it('an approval decided after its response failed is not sent', async () => {
    const { tools, sent, decide } = round();
    tools.event(nested({ type: 'response.created' }));
    tools.event(approvalRequest('mcpr_1'));
    tools.event(nested({ type: 'response.failed' }));
    await decide('mcpr_1', true);
    expect(sent).toEqual([]);
  });
});
