import type { ToolSpec } from '../tools/tool.ts';
import type { SlotSpec } from './slots.ts';

/** The function the model calls to move between states of its own agent. */
export const CHANGE_STATE_TOOL = 'change_state';

/** The Agents SDK names each handoff tool `transfer_to_<agent>` (agent names here are plain alphanumerics). */
export const HANDOFF_TOOL_PREFIX = 'transfer_to_';

/** The function the model calls to transfer the call to a person (a `transferHuman` transition). */
export const TRANSFER_CALL_TOOL = 'transfer_call';

export function handoffToolName(agentName: string): string {
  return `${HANDOFF_TOOL_PREFIX}${agentName}`;
}

/**
 * change_state, limited to the moves the current state allows. When the state collects values,
 * the move carries them (`values`), each checked against its schema.
 */
export function changeStateTool(targets: readonly string[], collects: readonly SlotSpec[] = []): ToolSpec {
  const values = collects.length === 0 ? {} : {
    values: {
      type: 'object',
      description: 'The values this state collected, as the caller confirmed them.',
      properties: Object.fromEntries(collects.map((slot) => [slot.name, { ...slot.schema, description: slot.description }])),
      additionalProperties: false,
    },
  };
  return {
    type: 'function',
    name: CHANGE_STATE_TOOL,
    description:
      'Move the conversation to the next state once the current state\'s transition condition is met. ' +
      'The result says whether the move was accepted.',
    parameters: {
      type: 'object',
      properties: {
        next_step: { type: 'string', enum: [...targets], description: 'The state to move to.' },
        reason: { type: 'string', description: 'Which condition was met, in a few words.' },
        ...values,
      },
      required: ['next_step'],
      additionalProperties: false,
    },
  };
}

/** transfer_call: where the call goes is the agent file's business, not the model's. */
export function transferCallTool(): ToolSpec {
  return {
    type: 'function',
    name: TRANSFER_CALL_TOOL,
    description:
      'Transfer the call to a person once the transition condition for it is met. Tell the caller first. ' +
      'The result says whether the transfer was made.',
    parameters: {
      type: 'object',
      properties: { reason: { type: 'string', description: 'Why the caller is transferred, in a few words.' } },
      additionalProperties: false,
    },
  };
}
