/** The conversation-state format of the voice-agents guide (see states/schema.json). */
import type { SlotSpec } from './slots.ts';

export interface StateTransition {
  /** A state id of the same file, an agent name (direct handoff), `transferAgents` or `transferHuman`. */
  next_step: string;
  condition: string;
}

export interface ConversationState {
  id: string;
  description: string;
  instructions: string[];
  examples: string[];
  transitions: StateTransition[];
  /** The values this state collects (the `collects` extension; empty when the file has none). */
  collects: SlotSpec[];
  /** The call ends once the agent has spoken in this state (a final state: it has no transitions). */
  hangup?: boolean;
  /** The agent's MCP servers offered in this state, by label (the `mcp_servers` extension); all when absent. */
  mcpServers?: readonly string[];
}

/** A validated states file; `states[0]` is the start state. */
export interface StatesDefinition {
  file: string;
  states: readonly ConversationState[];
}

/** The `next_step` meaning "hand off to the agent the agent file names". */
export const TRANSFER_AGENTS = 'transferAgents';

/** The `next_step` meaning "transfer the call to a person" (the agent file names where). */
export const TRANSFER_HUMAN = 'transferHuman';

export function findState(states: StatesDefinition, id: string): ConversationState | undefined {
  return states.states.find((state) => state.id === id);
}
