import { VgError } from '../errors.ts';
import { toolSpec } from '../tools/define-tool.ts';
import type { ToolSpec } from '../tools/tool.ts';
import type { AgentDefinition } from './agent.ts';
import { conversationFlow } from './conversation-flow.ts';
import { findState, type StatesDefinition } from './states.ts';
import { changeStateTool, transferCallTool } from './transition-tools.ts';
import { allowedTransitions, type AllowedTransition } from './transitions.ts';
import { UNCLEAR_AUDIO_RULES } from './unclear-audio.ts';
import type { SlotValues } from './slots.ts';

/** What the session sends in `session.update` while the conversation is in one state. */
export interface CompiledState {
  instructions: string;
  transitions: AllowedTransition[];
  tools: ToolSpec[];
  /** The labels of the agent's MCP servers this state offers (the backend calls their tools itself). */
  mcpServers: string[];
}

/** Facts about this call the agent may use (the caller's number, the number dialled). */
export interface CallFacts {
  readonly from?: string;
  readonly to?: string;
}

/**
 * Builds the instructions in the prompting guide's section order. Pure and deterministic:
 * the same agent, states, state id and call facts always give the same text (tests compare it).
 */
export function compileState(agent: AgentDefinition, states: StatesDefinition, stateId: string, call?: CallFacts, known?: SlotValues): CompiledState {
  const state = findState(states, stateId);
  if (state === undefined) throw new VgError('VG_ERR_STATES_INVALID', `${states.file}: no state "${stateId}"`);
  const transitions = allowedTransitions(state, agent);
  const { sections } = agent;
  const headed: [heading: string, body: string | undefined][] = [
    ['Role & Objective', sections.roleAndObjective],
    ['Personality & Tone', sections.personalityAndTone],
    ['Context', withKnownValues(withCallFacts(sections.context, call), known)],
    ['Reference Pronunciations', sections.referencePronunciations],
    ['Tools', sections.tools],
    ['Instructions / Rules', instructionsRules(agent)],
    ['Conversation Flow', conversationFlow(state, transitions)],
    ['Safety & Escalation', sections.safetyAndEscalation],
  ];
  const instructions = headed
    .flatMap(([heading, body]) => (body === undefined || body.trim() === '' ? [] : [`# ${heading}\n${body.trim()}`]))
    .join('\n\n');
  const inAgentTargets = transitions.filter((transition) => !transition.handoff && !transition.human).map((transition) => transition.to);
  const tools = agent.tools.map(toolSpec);
  if (inAgentTargets.length > 0) tools.push(changeStateTool(inAgentTargets, state.collects));
  if (transitions.some((transition) => transition.human)) tools.push(transferCallTool());
  const mcpServers = [...(state.mcpServers ?? (agent.mcpServers ?? []).map((server) => server.label))];
  return { instructions, transitions, tools, mcpServers };
}

function withCallFacts(context: string | undefined, call: CallFacts | undefined): string | undefined {
  const facts = [
    call?.from ? `- The caller is calling from ${call.from}.` : undefined,
    call?.to ? `- The caller dialled ${call.to}.` : undefined,
  ].filter((line) => line !== undefined);
  if (facts.length === 0) return context;
  return [context?.trim(), `## This call\n${facts.join('\n')}`].filter(Boolean).join('\n\n');
}

/** What the conversation has collected so far (in this agent or before a handoff): the model need not ask again. */
function withKnownValues(context: string | undefined, known: SlotValues | undefined): string | undefined {
  const entries = Object.entries(known ?? {});
  if (entries.length === 0) return context;
  const lines = entries.map(([name, value]) => `- ${name}: ${JSON.stringify(value)}`);
  return [context?.trim(), `## Known so far\nAlready collected and confirmed; do not ask for these again.\n${lines.join('\n')}`].filter(Boolean).join('\n\n');
}

function instructionsRules(agent: AgentDefinition): string {
  const { instructionsRules: rules, unclearAudio } = agent.sections;
  const parts = rules === undefined ? [] : [rules.trim()];
  if (unclearAudio !== false) parts.push(`## Unclear audio\n${(unclearAudio ?? UNCLEAR_AUDIO_RULES).trim()}`);
  return parts.join('\n\n');
}
