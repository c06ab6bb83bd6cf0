import { describe, expect, it } from 'vitest';
import pino from 'pino';
import type { ClientEvent, ResponseEvent } from 'openai/resources/live/live';
import { LiveToolRound, type LiveToolCall } from '../../../../src/session/live/live-tool-round.ts';

const nested = (event: Record<string, unknown>): ResponseEvent => ({ type: 'response.event', event_id: 'e', delegation_id: 'd', event });
const callDone = (callId: string, name = 'lookup') => nested({
  type: 'response.output_item.done', item: { type: 'function_call', status: 'completed', call_id: callId, name, arguments: '{}' },
});

function round() {
  const sent: ClientEvent[] = [];
  const releases = new Map<string, (output: string) => void>();
  const runs: LiveToolCall[] = [];
  const orphans: { call: LiveToolCall; output: string }[] = [];
  const tools = new LiveToolRound({
    orphaned: (call, output) => orphans.push({ call, output }),
    run: (call) => {
      runs.push(call);
      return new Promise((resolve) => releases.set(call.callId, resolve));
    },
    send: (event) => sent.push(event),
    log: pino({ level: 'silent' }),
  });
  return { tools, sent, runs, orphans, finish: async (id: string) => { releases.get(id)!(`{"id":"${id}"}`); await new Promise((r) => setImmediate(r)); } };
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
