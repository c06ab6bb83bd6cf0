import { EventEmitter } from 'node:events';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { agents, startAgent, statesDir } from '../../../agents/index.ts';
import type { ClientEvent, EdgeTransport } from '../../../src/edges/edge.ts';
import { loadAgentSet } from '../../../src/engine/agent-set.ts';
import { createAgentRuntime } from '../../../src/session/realtime-agents.ts';
import { ToolCalls, type ConfigTarget } from '../../../src/session/tool-calls.ts';
import { defineTool } from '../../../src/tools/define-tool.ts';

// The one tool layer both voice APIs use, against the demo agents: what the client hears, in what
// order, and what the backend is asked to take. The sessions' own behaviour is in the integration tests.

const runtime = createAgentRuntime(loadAgentSet(agents, statesDir, startAgent));

function setup(target: ConfigTarget) {
  const sent: ClientEvent[] = [];
  const edge = Object.assign(new EventEmitter(), {
    kind: 'kiosk', media: 'none', send: (event: ClientEvent) => sent.push(event),
    sendAudio: () => {}, clearAudio: () => {}, playedMs: () => 0, close: () => {},
  }) as unknown as EdgeTransport;
  const facts: string[] = [];
  const tools = new ToolCalls({
    sessionId: 's-1', edge, runtime, toolTimeoutMs: 1_000, log: pino({ level: 'silent' }),
    facts: { publish: (name) => facts.push(name) }, target, endsCall: () => {}, transferred: () => {},
  });
  return { tools, sent, facts };
}

describe('ToolCalls', () => {
  it('counts a tool as running only while its handler runs, and offers what it set to the backend before the result', async () => {
    const order: string[] = [];
    let release = () => {};
    const { tools, sent, facts } = setup({
      configure: async (agent, state) => {
        order.push(`configure ${agent}/${state} running=${tools.running}`);
        return true;
      },
    });
    const remember = defineTool<{ name: string }>({
      name: 'remember',
      description: 'sets the first name',
      parameters: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false },
      handler: async ({ name }, ctx) => {
        ctx.slots.set('first_name', name);
        await new Promise<void>((resolve) => { release = resolve; });
        return { ok: true };
      },
    });
    const result = tools.callTool(remember, 'call_1', '{"name":"Jane"}');
    await new Promise((resolve) => setImmediate(resolve));
    expect(tools.running).toBe(1);
    release();
    expect(JSON.parse(await result)).toEqual({ ok: true });
    expect(tools.running).toBe(0);
    expect(order).toEqual(['configure frontDesk/1_greeting running=0']);
    expect(sent.map((e) => e.type)).toEqual(['tool.call', 'slots.changed', 'tool.result']);
    expect(tools.slots()).toEqual({ first_name: 'Jane' });
    // The edge's tool events go to the facts too (a phone line's listeners hear of them there).
    expect(facts).toEqual(['toolEvent', 'toolEvent', 'toolFinished']);
  });

  it('a move the backend refuses: its values are undone before the old state is put back, and the model and client are told', async () => {
    const stayed: string[] = [];
    let accept = true;
    const { tools, sent } = setup({
      configure: async () => accept,
      stay: async (agent, state) => stayed.push(`${agent}/${state} ${JSON.stringify(tools.slots())}`),
    });
    expect(JSON.parse(await tools.changeState('c1', '{"next_step":"2_get_first_name"}'))).toEqual({ ok: true, state: '2_get_first_name' });
    accept = false;
    const refused = JSON.parse(await tools.changeState('c2', '{"next_step":"3_get_last_name","values":{"first_name":"Jane"}}'));
    expect(refused.ok).toBe(false);
    expect(refused.error).toMatch(/still in 2_get_first_name/);
    expect(tools.state).toBe('2_get_first_name');
    expect(tools.slots()).toEqual({});
    expect(stayed).toEqual(['frontDesk/2_get_first_name {}']);
    const second = sent.slice(sent.findIndex((e) => e.type === 'tool.call' && e.call_id === 'c2'));
    expect(second.map((e) => e.type)).toEqual(['tool.call', 'slots.changed', 'error', 'tool.result']);
  });

  it('a handoff moves to the other agent only once the backend has its start state', async () => {
    const configured: string[] = [];
    const announced: string[] = [];
    const { tools, sent } = setup({
      configure: async (agent, state) => {
        configured.push(`${agent}/${state}`);
        return true;
      },
      announce: ({ handoff, agent, state }) => announced.push(`${handoff ? 'handoff' : 'move'} ${agent}/${state}`),
    });
    expect(JSON.parse(await tools.handOff('tourGuide'))).toEqual({ assistant: 'tourGuide' });
    expect(configured).toEqual(['tourGuide/1_welcome']);
    expect(announced).toEqual(['handoff tourGuide/1_welcome']);
    expect([tools.agent, tools.state]).toEqual(['tourGuide', '1_welcome']);
    expect(sent).toEqual([expect.objectContaining({ type: 'state.changed', from: '1_greeting', to: '1_welcome', agent: 'tourGuide' })]);
  });
});
