import { join } from 'node:path';
import { VgError } from '../errors.ts';
import type { HostedMCPTool } from '@openai/agents';
import { agentProblems, type AgentDefinition } from './agent.ts';
import type { Tool } from 'openai/resources/responses/responses';
import { mcpServerConfig, mcpServerProblems, mcpServerTool } from './mcp-servers.ts';
import { readStatesFile } from './load-states.ts';
import { statesError, type StateProblem } from './state-problems.ts';
import { TRANSFER_AGENTS, TRANSFER_HUMAN, type StatesDefinition } from './states.ts';

export interface LoadedAgent {
  definition: AgentDefinition;
  states: StatesDefinition;
  /** The SDK tool of each of its MCP servers, by label, headers resolved at load. */
  mcpTools: ReadonlyMap<string, HostedMCPTool>;
  /** The same servers as Responses MCP tools (GPT-Live's delegation backend), by label. */
  mcpConfigs: ReadonlyMap<string, Tool.Mcp>;
}

export interface AgentSet {
  start: LoadedAgent;
  byName: ReadonlyMap<string, LoadedAgent>;
}

/**
 * Loads every agent's states file and checks the set as a whole, failing fast at startup:
 * VG_ERR_AGENT_INVALID for agent problems, else VG_ERR_STATES_INVALID listing every file's problems.
 */
export function loadAgentSet(
  agents: readonly AgentDefinition[],
  statesDir: string,
  startAgent: string | undefined = agents[0]?.name,
  /** Where MCP header references (`${NAME}`) resolve; read once, here. */
  env: NodeJS.ProcessEnv = process.env,
): AgentSet {
  const names = agents.map((agent) => agent.name);
  const problems = agents.flatMap(agentProblems);
  for (const agent of agents) problems.push(...mcpServerProblems(`agent ${JSON.stringify(agent.name)}`, agent.mcpServers ?? [], env));
  if (agents.length === 0) problems.push('the agent set is empty');
  for (const name of new Set(names.filter((name, index) => names.indexOf(name) !== index))) {
    problems.push(`agent "${name}" is defined twice`);
  }
  for (const agent of agents) {
    for (const target of agent.handoffs.filter((handoff) => !names.includes(handoff))) {
      problems.push(`agent "${agent.name}": handoff "${target}" is not an agent of the set (${names.join(', ')})`);
    }
  }
  if (startAgent !== undefined && !names.includes(startAgent)) {
    problems.push(`start agent "${startAgent}" is not an agent of the set (${names.join(', ')})`);
  }

  const loaded = new Map<string, LoadedAgent>();
  const stateProblems: StateProblem[] = [];
  for (const agent of agents) {
    const mcpServers = (agent.mcpServers ?? []).map((server) => server.label);
    const result = readStatesFile(join(statesDir, agent.statesFile), { handoffTargets: agent.handoffs, mcpServers });
    if (!result.ok) {
      stateProblems.push(...result.problems);
      continue;
    }
    const using = (keyword: string) => result.definition.states
      .filter((state) => state.transitions.some((transition) => transition.next_step === keyword))
      .map((state) => state.id);
    const transfers = using(TRANSFER_AGENTS);
    if (transfers.length > 0 && agent.transferAgentsTarget === undefined) {
      problems.push(
        `agent "${agent.name}": ${agent.statesFile} hands off with "${TRANSFER_AGENTS}" (in ${transfers.join(', ')}) but the agent sets no transferAgentsTarget`,
      );
    }
    const toHuman = using(TRANSFER_HUMAN);
    if (toHuman.length > 0 && agent.transferHumanTarget === undefined) {
      problems.push(
        `agent "${agent.name}": ${agent.statesFile} transfers the call with "${TRANSFER_HUMAN}" (in ${toHuman.join(', ')}) but the agent sets no transferHumanTarget`,
      );
    }
    loaded.set(agent.name, { definition: agent, states: result.definition, mcpTools: new Map(), mcpConfigs: new Map() });
  }

  problems.push(...sharedSlotProblems([...loaded.values()]));
  if (problems.length > 0) throw new VgError('VG_ERR_AGENT_INVALID', problems.join('\n'));
  if (stateProblems.length > 0) throw statesError(stateProblems);
  // Every header reference resolves (checked above): the servers' tools are built once, here.
  for (const [name, entry] of loaded) {
    const servers = entry.definition.mcpServers ?? [];
    loaded.set(name, {
      ...entry,
      mcpTools: new Map(servers.map((server) => [server.label, mcpServerTool(server, env)])),
      mcpConfigs: new Map(servers.map((server) => [server.label, mcpServerConfig(server, env)])),
    });
  }
  const start = startAgent === undefined ? undefined : loaded.get(startAgent);
  // Unreachable: an empty set or an unknown start agent is reported above.
  if (start === undefined) throw new VgError('VG_ERR_AGENT_INVALID', 'no start agent');
  return { start, byName: loaded };
}

/** A value's name means one value across agents too (it is carried over a handoff): one schema. */
function sharedSlotProblems(agents: readonly LoadedAgent[]): string[] {
  const first = new Map<string, { agent: string; schema: string }>();
  const problems: string[] = [];
  for (const { definition, states } of agents) {
    for (const slot of states.states.flatMap((state) => state.collects)) {
      const schema = JSON.stringify(slot.schema);
      const seen = first.get(slot.name);
      if (!seen) first.set(slot.name, { agent: definition.name, schema });
      else if (seen.agent !== definition.name && seen.schema !== schema) {
        problems.push(`agent "${definition.name}": the value "${slot.name}" has another schema in "${seen.agent}" (${seen.schema}); one name is one value`);
      }
    }
  }
  return problems;
}
