import { describe, expect, it } from 'vitest';
import { VgError } from '../../../src/errors.ts';
import { defineTool } from '../../../src/tools/define-tool.ts';
import { lookup, testAgent } from './fixtures.ts';

function problemsOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof VgError && error.code === 'VG_ERR_AGENT_INVALID') return error.message;
    throw error;
  }
  throw new Error('expected VG_ERR_AGENT_INVALID');
}

const changeState = defineTool({ name: 'change_state', description: 'mine', parameters: { type: 'object', properties: {} }, handler: async () => null });

describe('defineAgent', () => {
  it('accepts a valid agent and freezes it', () => {
    const agent = testAgent();
    expect(Object.isFrozen(agent)).toBe(true);
    expect(agent.name).toBe('desk');
  });

  it.each([
    [{ name: 'front desk' }, 'agent "front desk": name must match'],
    [{ name: 'x'.repeat(53) }, 'name must match'],
    [{ voice: ' ' }, 'voice must not be empty'],
    [{ sections: { roleAndObjective: '' } }, 'sections.roleAndObjective must not be empty'],
    [{ statesFile: '../secret.json' }, 'statesFile "../secret.json" must be a .json file name in the states directory'],
    [{ tools: [lookup, lookup] }, 'tool "lookup" is declared twice'],
    [{ tools: [changeState] }, 'tool name "change_state" is reserved'],
    [{ handoffs: ['desk'], transferAgentsTarget: undefined }, 'an agent cannot hand off to itself'],
    [{ handoffs: ['helper', 'helper'] }, 'handoff "helper" is listed twice'],
    [{ handoffs: ['transferAgents'], transferAgentsTarget: undefined }, '"transferAgents" is a next_step keyword'],
    [{ transferAgentsTarget: 'nobody' }, 'transferAgentsTarget "nobody" must be one of handoffs (helper, billing)'],
    [{ transferHumanTarget: 'https://example.com/agent' }, 'transferHumanTarget "https://example.com/agent" must be a sip:, sips: or tel: URI'],
    [{ transferHumanTarget: 'sip:desk@example.com>;evil' }, 'must be a sip:, sips: or tel: URI'],
    [{ handoffs: ['transferHuman'], transferAgentsTarget: undefined }, '"transferHuman" is a next_step keyword'],
    [{ tools: [defineTool({ name: 'transfer_call', description: 'mine', parameters: { type: 'object', properties: {} }, handler: async () => null })] }, 'tool name "transfer_call" is reserved'],
  ])('refuses %j', (overrides, expected) => {
    expect(problemsOf(() => testAgent(overrides))).toContain(expected);
  });

  it('lists every problem at once', () => {
    const message = problemsOf(() => testAgent({ name: 'a b', voice: '' }));
    expect(message.split('\n')).toHaveLength(2);
  });
});
