import { describe, expect, it } from 'vitest';
import { stateGraph } from '../../../src/engine/state-graph.ts';
import { deskStates } from './fixtures.ts';

describe('stateGraph', () => {
  it('lists every state and every declared move', () => {
    const graph = stateGraph('desk', deskStates, 'helper');
    expect(graph.agent).toBe('desk');
    expect(graph.states).toEqual(deskStates.states.map(({ id, description }) => ({ id, description })));
    expect(graph.transitions.map(({ from, to }) => `${from}->${to}`)).toEqual([
      'start->ask',
      'start->billing',
      'ask->start',
      'ask->done',
      'ask->helper',
    ]);
  });

  it('keeps the transferAgents keyword when no target is given', () => {
    expect(stateGraph('desk', deskStates).transitions.at(-1)?.to).toBe('transferAgents');
  });
});
