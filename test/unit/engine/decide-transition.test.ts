import { SEED_STATES } from '../../helpers/seed.ts';
import { describe, expect, it } from 'vitest';
import { compileState } from '../../../src/engine/compile-state.ts';
import { decideTransition } from '../../../src/engine/decide-transition.ts';
import { loadStatesFile } from '../../../src/engine/load-states.ts';
import { deskStates, testAgent } from './fixtures.ts';

const seed = loadStatesFile(SEED_STATES, { handoffTargets: ['tourGuide'] });
const rules = { handoffs: ['tourGuide'], transferAgentsTarget: 'tourGuide' };

describe('decideTransition', () => {
  it('allows a declared move of the current state', () => {
    expect(decideTransition(seed, '2_get_first_name', '3_get_last_name', rules)).toEqual({ ok: true, to: '3_get_last_name' });
  });

  it('refuses a state that is not reachable from the current one, naming the allowed moves', () => {
    expect(decideTransition(seed, '2_get_first_name', '4_next_steps', rules)).toEqual({
      ok: false,
      reason: "'4_next_steps' is not reachable from '2_get_first_name'; allowed: 3_get_last_name",
    });
  });

  it('refuses a transfer to a person as a state move: that is transfer_call', () => {
    const states = { file: 'x.json', states: [{ id: 'a', description: 'd', instructions: ['i'], examples: [], collects: [], transitions: [{ next_step: 'transferHuman', condition: 'c' }] }] };
    expect(decideTransition(states, 'a', 'transferHuman', rules)).toEqual({ ok: false, reason: 'a transfer to a person is not a state move: call transfer_call instead' });
  });

  it('refuses going back unless declared', () => {
    const decision = decideTransition(seed, '3_get_last_name', '2_get_first_name', rules);
    expect(decision.ok).toBe(false);
  });

  it('refuses an unknown target', () => {
    expect(decideTransition(seed, '1_greeting', 'lobby', rules)).toEqual({
      ok: false,
      reason: "'lobby' is neither a state of this conversation nor an agent to hand off to; allowed from '1_greeting': 2_get_first_name",
    });
  });

  it('resolves a transferAgents handoff by agent name or by keyword', () => {
    expect(decideTransition(seed, '4_next_steps', 'tourGuide', rules)).toEqual({ ok: true, to: 'tourGuide', handoff: 'tourGuide' });
    expect(decideTransition(seed, '4_next_steps', 'transferAgents', rules)).toEqual({ ok: true, to: 'tourGuide', handoff: 'tourGuide' });
  });

  it('refuses a handoff the current state does not declare, pointing at the handoff tool where one is allowed', () => {
    expect(decideTransition(seed, '1_greeting', 'tourGuide', rules)).toEqual({
      ok: false,
      reason: "'tourGuide' is not reachable from '1_greeting'; allowed: 2_get_first_name",
    });
    const back = decideTransition(seed, '4_next_steps', '1_greeting', rules);
    expect(back).toEqual({
      ok: false,
      reason: "'1_greeting' is not reachable from '4_next_steps'; allowed: tourGuide (handoff: call transfer_to_tourGuide)",
    });
  });

  it('refuses every move out of a final state and from an unknown state', () => {
    const agent = testAgent();
    expect(decideTransition(deskStates, 'done', 'start', agent)).toEqual({
      ok: false,
      reason: "'start' is not reachable from 'done'; allowed: none (this is the last state)",
    });
    expect(decideTransition(deskStates, 'limbo', 'start', agent)).toEqual({ ok: false, reason: "'limbo' is not a state of desk.json" });
  });

  it('allows exactly the enum of change_state, in every state', () => {
    const agent = testAgent();
    for (const { id } of deskStates.states) {
      const tool = compileState(agent, deskStates, id).tools.find((candidate) => candidate.name === 'change_state');
      const parameters = tool?.parameters as { properties: { next_step: { enum: string[] } } } | undefined;
      const enumTargets = parameters?.properties.next_step.enum ?? [];
      const allowedStates = deskStates.states
        .map((state) => state.id)
        .filter((target) => {
          const decision = decideTransition(deskStates, id, target, agent);
          return decision.ok && decision.handoff === undefined;
        });
      expect(enumTargets).toEqual(allowedStates);
    }
  });
});
