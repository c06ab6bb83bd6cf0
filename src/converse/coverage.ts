import type { StateGraph } from '../edges/edge.ts';
import type { Observed } from './expectations.ts';

// State-graph coverage of a run of conversation tests: which states and transitions of each
// agent some test went through, and which none did.

const TRANSFER_HUMAN = 'transferHuman';
const TRANSFER_CALL_TOOL = 'transfer_call';

export interface AgentCoverage {
  agent: string;
  states: { id: string; covered: boolean }[];
  transitions: { from: string; to: string; covered: boolean }[];
}

export function coverage(graphs: readonly StateGraph[], runs: readonly Observed[]): AgentCoverage[] {
  const states = new Set<string>();
  const moves = new Set<string>();
  for (const run of runs) {
    if (!run.start) continue;
    let at = run.start;
    states.add(`${at.agent}/${at.state}`);
    for (const move of run.moves) {
      // A handoff is the transition to the agent taken from the state the call was in.
      moves.add(move.agent === at.agent ? `${at.agent}/${move.from}>${move.to}` : `${at.agent}/${move.from}>${move.agent}`);
      at = { agent: move.agent, state: move.to };
      states.add(`${at.agent}/${at.state}`);
    }
    // A transfer to a person is a transfer_call that worked, from the state it was made in.
    for (const result of run.results.filter((r) => r.name === TRANSFER_CALL_TOOL && !r.error)) {
      const call = run.tools.find((tool) => tool.callId === result.callId);
      if (call) moves.add(`${call.agent}/${call.state}>${TRANSFER_HUMAN}`);
    }
  }
  return graphs.map((graph) => ({
    agent: graph.agent,
    states: graph.states.map(({ id }) => ({ id, covered: states.has(`${graph.agent}/${id}`) })),
    transitions: graph.transitions.map(({ from, to }) => ({ from, to, covered: moves.has(`${graph.agent}/${from}>${to}`) })),
  }));
}

export function coverageReport(agents: readonly AgentCoverage[]): string[] {
  const lines = ['coverage (states and transitions the tests went through):'];
  for (const agent of agents) {
    const states = agent.states.filter((s) => s.covered).length;
    const moves = agent.transitions.filter((t) => t.covered).length;
    lines.push(`  ${agent.agent}: ${states}/${agent.states.length} states, ${moves}/${agent.transitions.length} transitions`);
    for (const state of agent.states.filter((s) => !s.covered)) lines.push(`    untested state: ${state.id}`);
    for (const t of agent.transitions.filter((t) => !t.covered)) lines.push(`    untested transition: ${t.from} → ${t.to}`);
  }
  return lines;
}
