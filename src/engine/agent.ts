import { VgError } from '../errors.ts';
import type { ToolDefinition } from '../tools/tool.ts';
import type { McpServerDefinition } from './mcp-servers.ts';
import { TRANSFER_AGENTS, TRANSFER_HUMAN } from './states.ts';
import { CHANGE_STATE_TOOL, HANDOFF_TOOL_PREFIX, TRANSFER_CALL_TOOL } from './transition-tools.ts';

/** The labeled sections of the Realtime prompting guide that an agent writes itself. */
export interface AgentSections {
  roleAndObjective: string;
  personalityAndTone?: string;
  context?: string;
  referencePronunciations?: string;
  tools?: string;
  instructionsRules?: string;
  /** Replaces the guide's unclear-audio rules; `false` leaves them out. */
  unclearAudio?: string | false;
  safetyAndEscalation?: string;
}

export interface AgentDefinition {
  /** Plain alphanumerics, so the SDK's handoff tool is exactly `transfer_to_<name>`. */
  name: string;
  /** A Realtime voice, e.g. 'sage'. */
  voice: string;
  sections: AgentSections;
  /** A file name in the states directory, e.g. 'front-desk.json'. */
  statesFile: string;
  tools: readonly ToolDefinition[];
  /** Agents this one may hand the caller to. */
  handoffs: readonly string[];
  /** What a `next_step` of "transferAgents" means; must be one of `handoffs`. */
  transferAgentsTarget?: string;
  /**
   * Where a `next_step` of "transferHuman" sends the call: a `sip:`, `sips:` or `tel:` URI (the
   * SIP REFER's Refer-To, a Twilio `<Dial>`), e.g. 'tel:+14155550123'. Only a phone call can be transferred.
   */
  transferHumanTarget?: string;
  /** Remote MCP servers whose tools the backend lists and calls itself (a state may narrow them). */
  mcpServers?: readonly McpServerDefinition[];
}

// 'transfer_to_' + name must fit the 64-character limit on function names.
const AGENT_NAME = /^[A-Za-z][A-Za-z0-9]{0,51}$/;
const STATES_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.json$/;
/** Where a person is reached: what a SIP REFER or a Twilio `<Dial>` takes. */
export const TRANSFER_URI = /^(sips?|tel):[^\s<>"]+$/;

/** Checks what one agent file can check alone; loadAgentSet checks references across agents. */
export function defineAgent(definition: AgentDefinition): AgentDefinition {
  const problems = agentProblems(definition);
  if (problems.length > 0) throw new VgError('VG_ERR_AGENT_INVALID', problems.join('\n'));
  return Object.freeze({ ...definition });
}

export function agentProblems(agent: AgentDefinition): string[] {
  const at = `agent ${JSON.stringify(agent.name)}`;
  const problems: string[] = [];
  if (!AGENT_NAME.test(agent.name)) problems.push(`${at}: name must match ${AGENT_NAME}`);
  if (agent.voice.trim() === '') problems.push(`${at}: voice must not be empty`);
  if (agent.sections.roleAndObjective.trim() === '') problems.push(`${at}: sections.roleAndObjective must not be empty`);
  if (!STATES_FILE.test(agent.statesFile)) {
    problems.push(`${at}: statesFile ${JSON.stringify(agent.statesFile)} must be a .json file name in the states directory`);
  }
  const toolNames = agent.tools.map((tool) => tool.name);
  for (const name of duplicates(toolNames)) problems.push(`${at}: tool "${name}" is declared twice`);
  for (const name of toolNames) {
    if (name === CHANGE_STATE_TOOL || name === TRANSFER_CALL_TOOL || name.startsWith(HANDOFF_TOOL_PREFIX)) {
      problems.push(`${at}: tool name "${name}" is reserved for state changes, handoffs and transfers`);
    }
  }
  for (const name of duplicates(agent.handoffs)) problems.push(`${at}: handoff "${name}" is listed twice`);
  for (const target of agent.handoffs) {
    if (!AGENT_NAME.test(target)) problems.push(`${at}: handoff "${target}" is not a valid agent name`);
    if (target === agent.name) problems.push(`${at}: an agent cannot hand off to itself`);
    if (target === TRANSFER_AGENTS || target === TRANSFER_HUMAN) problems.push(`${at}: "${target}" is a next_step keyword, not an agent name`);
  }
  if (agent.transferAgentsTarget !== undefined && !agent.handoffs.includes(agent.transferAgentsTarget)) {
    problems.push(`${at}: transferAgentsTarget "${agent.transferAgentsTarget}" must be one of handoffs (${agent.handoffs.join(', ') || 'none'})`);
  }
  if (agent.transferHumanTarget !== undefined && !TRANSFER_URI.test(agent.transferHumanTarget)) {
    problems.push(`${at}: transferHumanTarget ${JSON.stringify(agent.transferHumanTarget)} must be a sip:, sips: or tel: URI, e.g. "tel:+14155550123"`);
  }
  return problems;
}

function duplicates(names: readonly string[]): string[] {
  return [...new Set(names.filter((name, index) => names.indexOf(name) !== index))];
}
