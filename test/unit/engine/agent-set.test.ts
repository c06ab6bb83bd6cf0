import { SEED_STATES } from '../../helpers/seed.ts';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentDefinition } from '../../../src/engine/agent.ts';
import { loadAgentSet } from '../../../src/engine/agent-set.ts';
import { VgError } from '../../../src/errors.ts';
import { testAgent } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'vg-agents-'));
copyFileSync(SEED_STATES, join(dir, 'desk.json'));
const simple = (id: string) => [{ id, description: 'd', instructions: ['i'], transitions: [] }];
writeFileSync(join(dir, 'helper.json'), JSON.stringify(simple('hello')));
writeFileSync(join(dir, 'broken.json'), JSON.stringify([{ id: 'x', description: 'd', instructions: [], transitions: [] }]));

const desk = testAgent({ handoffs: ['helper'], transferAgentsTarget: 'helper' });
const helper = testAgent({ name: 'helper', statesFile: 'helper.json', handoffs: [], transferAgentsTarget: undefined });

function errorOf(agents: AgentDefinition[], start?: string): VgError {
  try {
    loadAgentSet(agents, dir, start);
  } catch (error) {
    if (error instanceof VgError) return error;
    throw error;
  }
  throw new Error('expected the agent set to be refused');
}

describe('loadAgentSet', () => {
  it('refuses a transferHuman move when the agent names no transferHumanTarget', () => {
    writeFileSync(join(dir, 'to-human.json'), JSON.stringify([{ id: 'a', description: 'd', instructions: ['i'], transitions: [{ next_step: 'transferHuman', condition: 'c' }] }]));
    const error = errorOf([testAgent({ statesFile: 'to-human.json', handoffs: [], transferAgentsTarget: undefined })]);
    expect(error.message).toContain('to-human.json transfers the call with "transferHuman" (in a) but the agent sets no transferHumanTarget');
  });

  it('loads every agent and starts with the first by default', () => {
    const set = loadAgentSet([desk, helper], dir);
    expect(set.start.definition.name).toBe('desk');
    expect(set.byName.get('helper')?.states.states[0]?.id).toBe('hello');
    expect(loadAgentSet([desk, helper], dir, 'helper').start.definition.name).toBe('helper');
  });

  it('refuses a handoff to an agent outside the set', () => {
    const error = errorOf([desk]);
    expect(error.code).toBe('VG_ERR_AGENT_INVALID');
    expect(error.message).toContain('agent "desk": handoff "helper" is not an agent of the set (desk)');
  });

  it('refuses a transferAgents transition when the agent names no target', () => {
    const error = errorOf([testAgent({ handoffs: ['helper'], transferAgentsTarget: undefined }), helper]);
    expect(error.message).toContain('desk.json hands off with "transferAgents" (in 4_next_steps) but the agent sets no transferAgentsTarget');
  });

  it('refuses duplicate agents and an unknown start agent', () => {
    const error = errorOf([desk, helper, helper], 'nobody');
    expect(error.message).toContain('agent "helper" is defined twice');
    expect(error.message).toContain('start agent "nobody" is not an agent of the set');
  });

  it('refuses an empty set', () => {
    expect(errorOf([]).message).toContain('the agent set is empty');
  });

  it('reports the problems of every states file together', () => {
    const error = errorOf([
      testAgent({ statesFile: 'broken.json', handoffs: ['helper'], transferAgentsTarget: 'helper' }),
      testAgent({ name: 'helper', statesFile: 'missing.json', handoffs: [], transferAgentsTarget: undefined }),
    ]);
    expect(error.code).toBe('VG_ERR_STATES_INVALID');
    expect(error.message).toContain(`${join(dir, 'broken.json')} /0/instructions: expected at least 1 item`);
    expect(error.message).toContain(`${join(dir, 'missing.json')} (root): expected a readable states file, found ENOENT`);
  });
});
