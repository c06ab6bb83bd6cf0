import { VgError } from '../errors.ts';
import { TRANSFER_AGENTS, TRANSFER_HUMAN, type ConversationState } from './states.ts';

/** A move out of the current state: to another state, or (handoff) to another agent. */
export interface AllowedTransition {
  /** A state id of the same agent, or the agent name of a handoff. */
  to: string;
  condition: string;
  handoff: boolean;
  /** A transfer of the call to a person (`to` is "transferHuman"): the transfer_call tool, not change_state. */
  human?: true;
}

/** What an agent file says about handoffs (an AgentDefinition satisfies it). */
export interface HandoffRules {
  handoffs: readonly string[];
  /** The agent a `next_step` of "transferAgents" hands off to. */
  transferAgentsTarget?: string;
}

export function allowedTransitions(state: ConversationState, rules: HandoffRules): AllowedTransition[] {
  return state.transitions.map(({ next_step, condition }) => {
    if (next_step === TRANSFER_HUMAN) return { to: TRANSFER_HUMAN, condition, handoff: false, human: true };
    if (next_step !== TRANSFER_AGENTS) return { to: next_step, condition, handoff: rules.handoffs.includes(next_step) };
    // loadAgentSet refuses this case at startup; reaching it means the agent set was bypassed.
    if (rules.transferAgentsTarget === undefined) {
      throw new VgError('VG_ERR_AGENT_INVALID', `state "${state.id}" uses ${TRANSFER_AGENTS} but the agent has no transferAgentsTarget`);
    }
    return { to: rules.transferAgentsTarget, condition, handoff: true };
  });
}
