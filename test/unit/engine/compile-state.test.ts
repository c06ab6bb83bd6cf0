import { SEED_STATES } from '../../helpers/seed.ts';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileState } from '../../../src/engine/compile-state.ts';
import { loadStatesFile } from '../../../src/engine/load-states.ts';
import { UNCLEAR_AUDIO_RULES } from '../../../src/engine/unclear-audio.ts';
import { deskStates, testAgent } from './fixtures.ts';

const HEADINGS = [
  '# Role & Objective',
  '# Personality & Tone',
  '# Context',
  '# Reference Pronunciations',
  '# Tools',
  '# Instructions / Rules',
  '# Conversation Flow',
  '# Safety & Escalation',
];

function headingsOf(text: string): string[] {
  return text.split('\n').filter((line) => line.startsWith('# '));
}

describe('compileState', () => {
  it('writes every section as a heading, in the prompting guide order', () => {
    const { instructions } = compileState(testAgent(), deskStates, 'start');
    expect(headingsOf(instructions)).toEqual(HEADINGS);
    expect(instructions).toContain('# Context\nThe desk opens at nine.');
  });

  it('omits empty sections but always has Conversation Flow', () => {
    const agent = testAgent({ sections: { roleAndObjective: 'Only a role.', context: '  ', unclearAudio: false } });
    const { instructions } = compileState(agent, deskStates, 'done');
    expect(headingsOf(instructions)).toEqual(['# Role & Objective', '# Conversation Flow']);
  });

  it('holds the current state only, with its instructions, sample phrases and transitions', () => {
    const { instructions } = compileState(testAgent(), deskStates, 'ask');
    const flow = instructions.slice(instructions.indexOf('# Conversation Flow'), instructions.indexOf('# Safety & Escalation'));
    expect(flow).toContain('## Current state: ask\nGoal of ask.');
    expect(flow).toContain('- Instruction of ask.');
    expect(flow).toContain('Sample phrases');
    expect(flow).toContain('- Example of ask.');
    expect(flow).toContain('- When answered. → call `change_state` with next_step "done".');
    expect(flow).toContain('- When the caller wants help. → call `transfer_to_helper` to hand the caller over to helper.');
    for (const other of ['Instruction of start.', 'Example of done.', 'When the caller asks about a bill.', 'Goal of done.']) {
      expect(instructions).not.toContain(other);
    }
  });

  it('says when a state is the last one', () => {
    const { instructions, transitions, tools } = compileState(testAgent(), deskStates, 'done');
    expect(instructions).toContain('This is the last state');
    expect(transitions).toEqual([]);
    expect(tools.map((tool) => tool.name)).toEqual(['lookup']);
  });

  it('includes the unclear-audio rules unless the agent replaces or drops them', () => {
    const standard = compileState(testAgent(), deskStates, 'start').instructions;
    const rules = standard.slice(standard.indexOf('# Instructions / Rules'), standard.indexOf('# Conversation Flow'));
    expect(rules).toContain('- Be brief.');
    expect(rules).toContain(`## Unclear audio\n${UNCLEAR_AUDIO_RULES}`);
    expect(rules).toContain('Default to English');

    const replaced = compileState(testAgent({ sections: { roleAndObjective: 'r', unclearAudio: '- Ask again in French.' } }), deskStates, 'start');
    expect(replaced.instructions).toContain('## Unclear audio\n- Ask again in French.');
    expect(replaced.instructions).not.toContain('Default to English');

    const dropped = compileState(testAgent({ sections: { roleAndObjective: 'r', unclearAudio: false } }), deskStates, 'start');
    expect(dropped.instructions).not.toContain('Unclear audio');
  });

  it('lists transitions with handoffs resolved and offers change_state only for in-agent moves', () => {
    const ask = compileState(testAgent(), deskStates, 'ask');
    expect(ask.transitions).toEqual([
      { to: 'start', condition: 'When the caller wants to start over.', handoff: false },
      { to: 'done', condition: 'When answered.', handoff: false },
      { to: 'helper', condition: 'When the caller wants help.', handoff: true },
    ]);
    const changeState = ask.tools.find((tool) => tool.name === 'change_state');
    expect(changeState?.parameters).toEqual({
      type: 'object',
      properties: {
        next_step: { type: 'string', enum: ['start', 'done'], description: 'The state to move to.' },
        reason: { type: 'string', description: 'Which condition was met, in a few words.' },
      },
      required: ['next_step'],
      additionalProperties: false,
    });
    expect(compileState(testAgent(), deskStates, 'start').transitions).toContainEqual({
      to: 'billing',
      condition: 'When the caller asks about a bill.',
      handoff: true,
    });
  });

  it('offers transfer_call for a transferHuman move (never change_state), and says when the call ends', () => {
    const agent = testAgent({ transferHumanTarget: 'tel:+14155550123' });
    const states = {
      file: 'desk.json',
      states: [
        { id: 'start', description: 'Start.', instructions: ['Go.'], examples: [], collects: [], transitions: [
          { next_step: 'done', condition: 'When answered.' }, { next_step: 'transferHuman', condition: 'If they ask for a person.' }] },
        { id: 'done', description: 'Bye.', instructions: ['Say goodbye.'], examples: [], collects: [], transitions: [], hangup: true },
      ],
    };
    const start = compileState(agent, states, 'start');
    expect(start.tools.map((t) => t.name)).toEqual(['lookup', 'change_state', 'transfer_call']);
    const changeState = start.tools.find((t) => t.name === 'change_state');
    expect(JSON.stringify(changeState?.parameters)).not.toContain('transferHuman');
    expect(start.instructions).toContain('- If they ask for a person. → tell the caller, then call `transfer_call` to transfer the call to a person.');
    expect(start.instructions).not.toContain('tel:+14155550123');
    expect(compileState(agent, states, 'done').instructions).toContain('the call ends once you have said it');
  });

  it('is deterministic: equal input, equal output', () => {
    const a = compileState(testAgent(), deskStates, 'ask');
    const b = compileState(testAgent(), structuredClone(deskStates), 'ask');
    expect(b).toEqual(a);
    expect(b.instructions).toBe(a.instructions);
  });

  it('compiles the guide fixture, with the transfer as a handoff', () => {
    const path = SEED_STATES;
    const states = loadStatesFile(path, { handoffTargets: ['tourGuide'] });
    const agent = testAgent({ handoffs: ['tourGuide'], transferAgentsTarget: 'tourGuide', tools: [] });
    const last = compileState(agent, states, '4_next_steps');
    expect(last.transitions).toEqual([{ to: 'tourGuide', condition: 'Once verification is complete, transfer to tourGuide agent.', handoff: true }]);
    expect(last.tools).toEqual([]);
    expect(last.instructions).toContain('call `transfer_to_tourGuide`');
    const seed = JSON.parse(readFileSync(path, 'utf8')) as { examples: string[] }[];
    for (const example of seed[3]?.examples ?? []) expect(last.instructions).toContain(`- ${example}`);
  });

  it('refuses an unknown state', () => {
    expect(() => compileState(testAgent(), deskStates, 'nowhere')).toThrow('desk.json: no state "nowhere"');
  });
});
