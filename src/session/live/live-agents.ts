import type { ResponsesDelegationConfig } from 'openai/resources/live/live';
import type { AgentSet, LoadedAgent } from '../../engine/agent-set.ts';
import { compileState, type CallFacts } from '../../engine/compile-state.ts';
import { findState } from '../../engine/states.ts';
import { missingSlots, type SlotValues } from '../../engine/slots.ts';
import { handoffToolName } from '../../engine/transition-tools.ts';
import { UNCLEAR_AUDIO_RULES } from '../../engine/unclear-audio.ts';
import type { ToolDefinition } from '../../tools/tool.ts';
import { VgError } from '../../errors.ts';

/** The delegation backend's part of one (agent, state): what `session.update` carries on a move. */
export interface BackendState {
  instructions: string;
  /** The state's function tools, its handoffs, and its remote MCP servers (hosted: the backend calls them). */
  tools: NonNullable<ResponsesDelegationConfig['tools']>;
}

/**
 * The agents and their states in GPT-Live's terms (LIVE_PROTOCOL.md §4, option 1): the voice model
 * gets fixed instructions at start (role, personality, unclear-audio rules, when to delegate); the
 * current state's compiled rules and tools go to the Responses delegation backend. A handoff is a
 * backend function tool named as the Agents SDK names it (`transfer_to_<agent>`), offered once the
 * state's required values are known, as on Realtime.
 */
export interface LiveAgents {
  voiceInstructions(agent: string): string;
  backendState(agent: string, state: string, caller: CallFacts | undefined, known: SlotValues): BackendState;
  /** The agent's own tool of that name, if it is one. */
  tool(agent: string, name: string): ToolDefinition | undefined;
  /** The agent a handoff tool of this state goes to, if `name` is one. */
  handoffTarget(agent: string, state: string, name: string): string | undefined;
  /** What the voice model is told when the conversation moves (a `session.instructions.append`). */
  movedTo(agent: string, state: string): string;
  /** What the voice model is told when another agent takes the call. */
  handedTo(agent: string): string;
}

/** An append's limit is 500 tokens (§6.2): kept well inside it at about four characters a token. */
const MAX_APPEND_CHARS = 1_600;

const DELEGATION_POLICY = [
  '- Anything that needs facts, a tool, a decision about the next step, or the caller\'s details checked: delegate it, and tell the caller what comes back in your own words.',
  '- Follow the appended instructions about the current step of the conversation; they replace earlier ones.',
  '- Never make up facts, names or results.',
].join('\n');

const INTERRUPTION_POLICY = '- When the caller starts talking, stop and listen. Do not talk over them.';

export function liveAgents(set: AgentSet): LiveAgents {
  const loaded = (name: string): LoadedAgent => {
    const agent = set.byName.get(name);
    if (!agent) throw new VgError('VG_ERR_AGENT_INVALID', `no agent "${name}"`);
    return agent;
  };
  const handoffs = (name: string, stateId: string, known: SlotValues): string[] => {
    const { definition, states } = loaded(name);
    const collects = findState(states, stateId)?.collects ?? [];
    if (missingSlots(collects, known).length > 0) return [];
    return compileState(definition, states, stateId).transitions.filter((t) => t.handoff).map((t) => t.to);
  };

  return {
    voiceInstructions: (name) => {
      const { sections } = loaded(name).definition;
      const unclear = sections.unclearAudio === false ? undefined : (sections.unclearAudio ?? UNCLEAR_AUDIO_RULES);
      return [
        ['Role & Objective', sections.roleAndObjective],
        ['Personality & Tone', sections.personalityAndTone],
        ['Unclear audio', unclear],
        ['Delegation policy', DELEGATION_POLICY],
        ['Interruption policy', INTERRUPTION_POLICY],
      ].flatMap(([heading, body]) => (body === undefined || body.trim() === '' ? [] : [`# ${heading}\n${body.trim()}`])).join('\n\n');
    },
    backendState: (name, stateId, caller, known) => {
      const { definition, states, mcpConfigs } = loaded(name);
      const compiled = compileState(definition, states, stateId, caller, known);
      const tools: BackendState['tools'] = compiled.tools.map((spec) => ({
        type: 'function', name: spec.name, description: spec.description, parameters: jsonObject(spec.parameters), strict: false,
      }));
      for (const target of handoffs(name, stateId, known)) {
        tools.push({
          type: 'function',
          name: handoffToolName(target),
          description: `Handoff to the ${target} agent to handle the request. ${loaded(target).definition.sections.roleAndObjective.split('\n')[0]}`,
          parameters: { type: 'object', properties: {}, required: [], additionalProperties: false },
          strict: false,
        });
      }
      // The state's MCP servers (its `mcp_servers`, else all of the agent's), as on Realtime.
      for (const label of compiled.mcpServers) {
        const server = mcpConfigs.get(label);
        if (server) tools.push(server);
      }
      return { instructions: compiled.instructions, tools };
    },
    tool: (name, toolName) => loaded(name).definition.tools.find((t) => t.name === toolName),
    handoffTarget: (name, stateId, toolName) => {
      const { definition, states } = loaded(name);
      return compileState(definition, states, stateId).transitions.find((t) => t.handoff && handoffToolName(t.to) === toolName)?.to;
    },
    movedTo: (name, stateId) => {
      const state = findState(loaded(name).states, stateId);
      return clip(`The conversation has moved on to the step "${stateId}": ${state?.description ?? ''} Follow what the backend returns for this step.`);
    },
    handedTo: (name) => {
      const { sections } = loaded(name).definition;
      const persona = [sections.roleAndObjective, sections.personalityAndTone].filter(Boolean).join('\n');
      return clip(`Another agent, ${name}, now speaks with the caller; from now on you are ${name}. Introduce yourself as that agent.\n${persona}`);
    },
  };
}

/** Tool parameters are JSON Schema objects (the Realtime type leaves them `unknown`). */
function jsonObject(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function clip(text: string): string {
  return text.length <= MAX_APPEND_CHARS ? text : `${text.slice(0, MAX_APPEND_CHARS - 1)}…`;
}
