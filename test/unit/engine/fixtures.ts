import { defineAgent, type AgentDefinition } from '../../../src/engine/agent.ts';
import type { ConversationState, StatesDefinition } from '../../../src/engine/states.ts';
import { defineTool } from '../../../src/tools/define-tool.ts';

/** A small agent and states for engine tests, independent of the shipped agents. */
export const lookup = defineTool<{ q: string }>({
  name: 'lookup',
  description: 'Look something up.',
  parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
  handler: async ({ q }) => q,
});

export function testAgent(overrides: Partial<AgentDefinition> = {}): AgentDefinition {
  return defineAgent({
    name: 'desk',
    voice: 'sage',
    sections: {
      roleAndObjective: 'You run the desk.',
      personalityAndTone: 'Friendly.',
      context: 'The desk opens at nine.',
      referencePronunciations: 'Say "Nguyen" as "win".',
      tools: 'Use lookup for facts.',
      instructionsRules: '- Be brief.',
      safetyAndEscalation: 'Escalate threats.',
    },
    statesFile: 'desk.json',
    tools: [lookup],
    handoffs: ['helper', 'billing'],
    transferAgentsTarget: 'helper',
    ...overrides,
  });
}

function state(id: string, transitions: [string, string][]): ConversationState {
  return {
    id,
    description: `Goal of ${id}.`,
    instructions: [`Instruction of ${id}.`],
    examples: [`Example of ${id}.`],
    transitions: transitions.map(([next_step, condition]) => ({ next_step, condition })),
    collects: [],
  };
}

/** start → {ask, billing (handoff)}; ask → {start, done, transferAgents}; done is final. */
export const deskStates: StatesDefinition = {
  file: 'desk.json',
  states: [
    state('start', [['ask', 'When the caller has a question.'], ['billing', 'When the caller asks about a bill.']]),
    state('ask', [['start', 'When the caller wants to start over.'], ['done', 'When answered.'], ['transferAgents', 'When the caller wants help.']]),
    state('done', []),
  ],
};
