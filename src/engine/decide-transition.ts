import { findState, TRANSFER_AGENTS, type StatesDefinition } from './states.ts';
import { allowedTransitions, type AllowedTransition, type HandoffRules } from './transitions.ts';
import { handoffToolName, TRANSFER_CALL_TOOL } from './transition-tools.ts';

/**
 * `to` is the next state, or for a handoff the agent taking over (then also in `handoff`).
 * A refusal's `reason` goes back to the model, so it names the moves that are allowed.
 */
export type TransitionDecision = { ok: true; to: string; handoff?: string } | { ok: false; reason: string };

/** Whether the model may move from the current state to `requested` (a state id, an agent name or "transferAgents"). */
export function decideTransition(
  states: StatesDefinition,
  currentStateId: string,
  requested: string,
  rules: HandoffRules,
): TransitionDecision {
  const current = findState(states, currentStateId);
  if (current === undefined) return { ok: false, reason: `'${currentStateId}' is not a state of ${states.file}` };
  const allowed = allowedTransitions(current, rules);
  const target = requested === TRANSFER_AGENTS ? rules.transferAgentsTarget : requested;
  const match = allowed.find((transition) => transition.to === target);
  if (match?.human) return { ok: false, reason: `a transfer to a person is not a state move: call ${TRANSFER_CALL_TOOL} instead` };
  if (match !== undefined) return match.handoff ? { ok: true, to: match.to, handoff: match.to } : { ok: true, to: match.to };
  const known = findState(states, requested) !== undefined || rules.handoffs.includes(requested);
  return {
    ok: false,
    reason: known
      ? `'${requested}' is not reachable from '${current.id}'; allowed: ${describe(allowed)}`
      : `'${requested}' is neither a state of this conversation nor an agent to hand off to; allowed from '${current.id}': ${describe(allowed)}`,
  };
}

function describe(allowed: readonly AllowedTransition[]): string {
  if (allowed.length === 0) return 'none (this is the last state)';
  return allowed
    .map((transition) => (transition.handoff
      ? `${transition.to} (handoff: call ${handoffToolName(transition.to)})`
      : transition.human ? `a person (call ${TRANSFER_CALL_TOOL})` : transition.to))
    .join(', ');
}
