import { describe, expect, it } from 'vitest';
import { RunContext } from '@openai/agents';
import type { RealtimeContextData } from '@openai/agents/realtime';
import type { SessionContext } from '../../../src/session/agent-runtime.ts';
import { loadAgentSet } from '../../../src/engine/agent-set.ts';
import { createAgentRuntime } from '../../../src/session/realtime-agents.ts';
import { agents, startAgent, statesDir } from '../../../agents/index.ts';

const runtime = createAgentRuntime(loadAgentSet(agents, statesDir, startAgent));
const unused = async (): Promise<string> => { throw new Error('not called'); };
const context = (caller?: SessionContext['caller'], known: Record<string, unknown> = {}) =>
  new RunContext<RealtimeContextData<SessionContext>>({ session: { callTool: unused, changeState: unused, transferCall: unused, slots: () => known }, caller, history: [] });

describe('agent runtime (engine → Agents SDK)', () => {
  it('starts with the start agent in its first state', () => {
    expect(runtime.startAgent).toBe('frontDesk');
    expect(runtime.startState('frontDesk')).toBe('1_greeting');
    expect(runtime.startState('tourGuide')).toBe('1_welcome');
    expect(runtime.voice('tourGuide')).toBe('coral');
  });

  it('builds one SDK agent per (agent, state), with that state compiled in', async () => {
    const greeting = runtime.realtimeAgent('frontDesk', '1_greeting');
    expect(runtime.realtimeAgent('frontDesk', '1_greeting')).toBe(greeting);
    expect(await greeting.getSystemPrompt(context())).toContain('## Current state: 1_greeting');
    const tools = await greeting.getAllTools({} as never);
    expect(tools.map((t) => t.name)).toEqual(['authenticateUser', 'change_state']);
    expect(greeting.handoffs).toEqual([]);
  });

  it("puts the caller's numbers into the Context section, for that call only", async () => {
    const greeting = runtime.realtimeAgent('frontDesk', '1_greeting');
    const phone = (await greeting.getSystemPrompt(context({ from: '+14155550100', to: '+18005550199' }))) ?? '';
    const context_ = phone.slice(phone.indexOf('# Context'), phone.indexOf('\n# ', phone.indexOf('# Context') + 1));
    expect(context_).toContain('## This call\n- The caller is calling from +14155550100.\n- The caller dialled +18005550199.');
    expect(await greeting.getSystemPrompt(context())).not.toContain('This call');
  });

  it('offers the handoff only in the state whose transition allows it', () => {
    const last = runtime.realtimeAgent('frontDesk', '4_next_steps');
    expect(last.handoffs).toHaveLength(1);
    expect((last.handoffs[0] as { agent: unknown }).agent).toBe(runtime.realtimeAgent('tourGuide', '1_welcome'));
  });

  it('decides change_state calls against the current state', () => {
    expect(runtime.decide('frontDesk', '1_greeting', '{"next_step":"2_get_first_name"}', {})).toEqual({ ok: true, to: '2_get_first_name', values: {} });
    expect(runtime.decide('frontDesk', '2_get_first_name', '{"next_step":"4_next_steps"}', {}))
      .toEqual({ ok: false, reason: expect.stringContaining("allowed: 3_get_last_name") });
    expect(runtime.decide('frontDesk', '4_next_steps', '{"next_step":"tourGuide"}', {}))
      .toEqual({ ok: false, reason: "'tourGuide' is another agent: call transfer_to_tourGuide instead" });
    expect(runtime.decide('frontDesk', '1_greeting', 'not json', {}).ok).toBe(false);
    expect(runtime.decide('frontDesk', '1_greeting', '{"next":"2_get_first_name"}', {}).ok).toBe(false);
  });

  it("refuses to leave a state without its required values, and checks the ones a move carries", () => {
    expect(runtime.decide('frontDesk', '2_get_first_name', '{"next_step":"3_get_last_name"}', {})).toEqual({
      ok: false, reason: 'first_name is required before 3_get_last_name: ask the caller, confirm, and pass it in "values"',
    });
    expect(runtime.decide('frontDesk', '2_get_first_name', '{"next_step":"3_get_last_name","values":{"first_name":"Jane"}}', {}))
      .toEqual({ ok: true, to: '3_get_last_name', values: { first_name: 'Jane' } });
    // Known already (from an earlier turn): the move needs no values of its own.
    expect(runtime.decide('frontDesk', '2_get_first_name', '{"next_step":"3_get_last_name"}', { first_name: 'Jane' }).ok).toBe(true);
    expect(runtime.decide('frontDesk', '2_get_first_name', '{"next_step":"3_get_last_name","values":{"first_name":""}}', {}))
      .toEqual({ ok: false, reason: 'values: first_name: expected a non-empty string, found ""' });
    expect(runtime.decide('frontDesk', '2_get_first_name', '{"next_step":"3_get_last_name","values":{"first_name":"Jane","age":3}}', {}))
      .toEqual({ ok: false, reason: 'values: "age" is not a value this conversation collects (it collects first_name)' });
  });

  it('offers change_state values for what the state collects, and lists what is already known in the Context', async () => {
    const firstName = runtime.realtimeAgent('frontDesk', '2_get_first_name');
    const tools = await firstName.getAllTools({} as never);
    const changeState = tools.find((t) => t.name === 'change_state') as { parameters: { properties: Record<string, { properties?: Record<string, unknown> }> } };
    expect(Object.keys(changeState.parameters.properties.values.properties ?? {})).toEqual(['first_name']);
    const prompt = (await runtime.realtimeAgent('tourGuide', '1_welcome').getSystemPrompt(context(undefined, { first_name: 'Jane', last_name: 'Doe' }))) ?? '';
    expect(prompt).toContain('## Known so far\nAlready collected and confirmed; do not ask for these again.\n- first_name: "Jane"\n- last_name: "Doe"');
    expect(await firstName.getSystemPrompt(context())).toContain('- first_name (required before leaving this state): the caller\'s first name');
  });

  it('offers the handoff only once the required values of its state are known', async () => {
    const handoffOf = runtime.realtimeAgent('frontDesk', '4_next_steps').handoffs[0] as { isEnabled: (args: { runContext: unknown; agent: unknown }) => Promise<boolean> };
    const agent = runtime.realtimeAgent('frontDesk', '4_next_steps');
    expect(await handoffOf.isEnabled({ runContext: context(), agent })).toBe(false);
    expect(await handoffOf.isEnabled({ runContext: context(undefined, { member_id: 'M-1001' }), agent })).toBe(true);
  });

  it('gives the state graph for display, transferAgents resolved to its target', () => {
    const graph = runtime.graph('frontDesk');
    expect(graph.states.map((s) => s.id)).toEqual(['1_greeting', '2_get_first_name', '3_get_last_name', '4_next_steps']);
    expect(graph.transitions.at(-1)).toMatchObject({ from: '4_next_steps', to: 'tourGuide' });
  });
});
