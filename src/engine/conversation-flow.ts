import type { ConversationState } from './states.ts';
import type { AllowedTransition } from './transitions.ts';
import { CHANGE_STATE_TOOL, handoffToolName, TRANSFER_CALL_TOOL } from './transition-tools.ts';

/** The Conversation Flow section: the current state only, and the moves out of it. */
export function conversationFlow(state: ConversationState, transitions: readonly AllowedTransition[]): string {
  const lines = [`## Current state: ${state.id}`, state.description, '', 'Instructions:', ...bullets(state.instructions)];
  if (state.examples.length > 0) {
    lines.push('', 'Sample phrases (vary them; do not always repeat them word for word):', ...bullets(state.examples));
  }
  if (state.collects.length > 0) {
    const moves = transitions.some((t) => !t.handoff);
    lines.push('', 'Values to collect in this state:', ...state.collects.map((slot) =>
      `- ${slot.name}${slot.required ? ' (required before leaving this state)' : ' (optional)'}: ${slot.description}`));
    if (moves) lines.push(`Pass them in \`${CHANGE_STATE_TOOL}\`'s "values" once the caller has confirmed them.`);
  }
  lines.push('', '## Transitions');
  if (transitions.length === 0) {
    lines.push(state.hangup
      ? 'This is the last state: the call ends once you have said it. Do not ask anything.'
      : 'This is the last state: there is no move out of it.');
  } else {
    lines.push(...transitions.map(transitionLine));
    lines.push(
      '',
      'Call the tool as soon as its condition is met, and not before. Do not mention states or tools to the caller.',
    );
  }
  return lines.join('\n');
}

function transitionLine({ to, condition, handoff, human }: AllowedTransition): string {
  if (human) return `- ${condition} → tell the caller, then call \`${TRANSFER_CALL_TOOL}\` to transfer the call to a person.`;
  return handoff
    ? `- ${condition} → call \`${handoffToolName(to)}\` to hand the caller over to ${to}.`
    : `- ${condition} → call \`${CHANGE_STATE_TOOL}\` with next_step "${to}".`;
}

function bullets(items: readonly string[]): string[] {
  return items.map((item) => `- ${item}`);
}
