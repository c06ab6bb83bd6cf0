import { VgError } from '../errors.ts';
import type { LoadedScript, ScriptStep } from '../emulator/responder/script.ts';
import { isSequence } from '../emulator/responder/script.ts';
import type { AgentSet } from './agent-set.ts';
import { compileState } from './compile-state.ts';
import { CHANGE_STATE_TOOL, handoffToolName } from './transition-tools.ts';

// A conversation script checked against the agents it drives, at start: a step that calls a tool
// no matching state offers, moves to a state that is not a transition from there, or a context
// keyed by a state no agent has, would only show as a refused move mid-call. Each problem names
// the step (its JSON path in the script file).

interface StateTools {
  agent: string;
  state: string;
  /** Every tool the model is given somewhere in this state (handoffs included). */
  tools: Set<string>;
  /** change_state's targets from here. */
  moves: Set<string>;
}

export function scriptProblems(script: LoadedScript, set: AgentSet): string[] {
  const places: StateTools[] = [...set.byName.values()].flatMap(({ definition, states }) =>
    states.states.map((state) => {
      const compiled = compileState(definition, states, state.id);
      const tools = new Set(compiled.tools.map((tool) => tool.name));
      for (const transition of compiled.transitions) if (transition.handoff) tools.add(handoffToolName(transition.to));
      const moves = new Set(compiled.transitions.filter((t) => !t.handoff && !t.human).map((t) => t.to));
      return { agent: definition.name, state: state.id, tools, moves };
    }));
  const stateIds = new Set(places.map((place) => place.state));
  const problems: string[] = [];
  const checkSteps = (steps: readonly ScriptStep[], where: string, stateList: readonly string[] | undefined) => {
    const here = stateList ? places.filter((place) => stateList.includes(place.state)) : places;
    steps.forEach((step, index) => {
      if (!('call' in step)) return;
      const at = `${where}[${index}]`;
      const offering = here.filter((place) => place.tools.has(step.call));
      if (offering.length === 0) {
        problems.push(`${at} calls "${step.call}", which is not offered in ${describe(here, stateList)} (offered: ${[...new Set(here.flatMap((p) => [...p.tools]))].join(', ') || 'nothing'})`);
        return;
      }
      const next = step.arguments.next_step;
      if (step.call === CHANGE_STATE_TOOL && typeof next === 'string' && !offering.some((place) => place.moves.has(next))) {
        problems.push(`${at} moves to "${next}", which is not a transition of ${describe(offering, stateList)} (allowed: ${[...new Set(offering.flatMap((p) => [...p.moves]))].join(', ') || 'none'})`);
      }
    });
  };
  const checkStates = (states: readonly string[] | undefined, at: string) => {
    for (const state of states ?? []) {
      if (!stateIds.has(state)) problems.push(`${at} names state "${state}", which no agent has (agents: ${[...set.byName.keys()].join(', ')})`);
    }
  };
  if (isSequence(script)) {
    // A sequence runs wherever the conversation is: each call must at least exist somewhere.
    script.turns.forEach((turn, t) => turn.responses.forEach((steps, r) => checkSteps(steps, `$.turns[${t}].responses[${r}]`, undefined)));
    return problems;
  }
  script.caller.forEach((line, i) => checkStates(line.state, `$.caller[${i}].state`));
  script.responses.forEach((rule, i) => {
    checkStates(rule.state, `$.responses[${i}].state`);
    const known = rule.state?.filter((state) => stateIds.has(state));
    if (rule.state && known?.length === 0) return;
    const here = known ? places.filter((place) => known.includes(place.state)) : places;
    for (const tool of [...(rule.offers ?? []), ...(rule.on && !['start', 'user', 'tool'].includes(rule.on) ? [rule.on] : [])]) {
      if (!here.some((place) => place.tools.has(tool))) problems.push(`$.responses[${i}] waits for tool "${tool}", which is not offered in ${describe(here, known)}`);
    }
    checkSteps(rule.respond, `$.responses[${i}].respond`, known);
  });
  return problems;
}

/** Throws VG_ERR_SCRIPT_INVALID naming every step that does not fit the agents. */
export function checkScript(script: LoadedScript, set: AgentSet, origin: string): void {
  const problems = scriptProblems(script, set);
  if (problems.length > 0) throw new VgError('VG_ERR_SCRIPT_INVALID', `${origin} does not fit the agents:\n  ${problems.join('\n  ')}`);
}

function describe(places: readonly StateTools[], states: readonly string[] | undefined): string {
  if (!states) return 'any state of any agent';
  return places.map((place) => `state "${place.state}" of agent "${place.agent}"`).join(' or ');
}
