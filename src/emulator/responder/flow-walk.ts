import { moveArguments, toolArguments } from './arguments.ts';
import { HANDOFF_PREFIX, nextStepOf, type Move, type SessionView } from './session-view.ts';
import type { ScriptStep } from './script.ts';

// The default responder with a state-machine prompt and no script: it walks the agent through its
// graph. Entering a state (or the session start) it says a sample line of the state; on the next
// user turn it calls the tool the state's instructions name (once), and then takes a declared
// transition, preferring states the conversation has not been to, so a new agent can be walked
// through all of its states without writing a script.

export function walkFlow(view: SessionView): ScriptStep[] | undefined {
  if (view.state === undefined) return undefined;
  const { trigger } = view;
  if (trigger.kind === 'start' || (trigger.kind === 'tool' && entersState(trigger, view))) return [{ say: sampleLine(view) }];
  const tool = view.stateTools.find((name) => !view.calledInState.some((call) => call.name === name));
  if (tool !== undefined) return [{ call: tool, arguments: toolArguments(view.tools.get(tool), view) }];
  const move = pickMove(view);
  return move ? [{ call: move.tool, arguments: moveArguments(move, view) }] : [{ say: sampleLine(view) }];
}

/** Whether a tool result is the move into the current state (a handoff, or a move naming it). */
export function entersState(trigger: { name: string; arguments: string }, view: SessionView): boolean {
  return trigger.name.startsWith(HANDOFF_PREFIX) || nextStepOf(trigger.arguments) === view.state;
}

/** The state's sample phrases in turn; its instructions' first line when it has none. */
export function sampleLine(view: SessionView): string {
  const { examples } = view;
  if (examples.length > 0) return examples[view.saidInState % examples.length];
  return view.instructions[0] ?? 'Okay.';
}

/** A move the user's words name; else one to a state not yet visited; else a handoff; a transfer to a person last. */
function pickMove(view: SessionView): Move | undefined {
  const words = view.trigger.kind === 'user' ? view.trigger.words?.toLowerCase() : undefined;
  const named = words ? view.moves.find((move) => moveNames(move).some((name) => words.includes(name))) : undefined;
  if (named) return named;
  const rank = (move: Move): number => {
    if (move.nextStep !== undefined) return view.visited.has(move.nextStep) ? 2 : 0;
    return move.tool.startsWith(HANDOFF_PREFIX) ? 1 : 3;
  };
  return [...view.moves].sort((a, b) => rank(a) - rank(b))[0];
}

/** How typed words may name a move: its state id ("3_wrap_up"), that id in words ("wrap up"), or the agent handed to. */
function moveNames(move: Move): string[] {
  if (move.nextStep === undefined) return move.tool.startsWith(HANDOFF_PREFIX) ? [move.tool.slice(HANDOFF_PREFIX.length).toLowerCase()] : [];
  const id = move.nextStep.toLowerCase();
  return [id, id.replace(/^\d+_/, '').replaceAll('_', ' ')];
}
