import type { StateGraph } from '../edges/edge.ts';
import { TRANSFER_AGENTS, type StatesDefinition } from './states.ts';

/** The agent's states and moves for display; a "transferAgents" move shows its target when given. */
export function stateGraph(agentName: string, states: StatesDefinition, transferAgentsTarget?: string): StateGraph {
  return {
    agent: agentName,
    states: states.states.map(({ id, description }) => ({ id, description })),
    transitions: states.states.flatMap((state) =>
      state.transitions.map(({ next_step, condition }) => ({
        from: state.id,
        to: next_step === TRANSFER_AGENTS && transferAgentsTarget !== undefined ? transferAgentsTarget : next_step,
        condition,
      })),
    ),
  };
}
