import type { RealtimeAgent } from '@openai/agents/realtime';
import type { CallerDetails, StateGraph } from '../edges/edge.ts';
import type { ToolDefinition } from '../tools/tool.ts';
import type { SlotSpec, SlotValues } from '../engine/slots.ts';
import type { McpServerDefinition } from '../engine/mcp-servers.ts';
import type { LiveAgents } from './live/live-agents.ts';

/** A move `change_state` may make, with the values it carries (checked against their schemas). */
export type Decision = { ok: true; to: string; values: Record<string, unknown> } | { ok: false; reason: string };

/**
 * What a voice session needs from the agents and their conversation states: the SDK agent that
 * stands for an (agent, state) pair, and the facts shown to clients. Built once per process and
 * shared by every session (src/session/realtime-agents.ts).
 */
export interface AgentRuntime {
  readonly startAgent: string;
  startState(agent: string): string;
  voice(agent: string): string;
  graph(agent: string): StateGraph;
  realtimeAgent(agent: string, state: string): RealtimeAgent<SessionContext>;
  /**
   * Whether `change_state` with these raw arguments may move the agent out of `state`, given the
   * values already `known` (the state's required values must be known once the move's are added).
   */
  decide(agent: string, state: string, rawArguments: string, known: SlotValues): Decision;
  /** Every value any agent's states collect, by name: what tools may set. */
  readonly slots: ReadonlyMap<string, SlotSpec>;
  /** Whether the call ends once the agent has spoken in this state (`"hangup": true`). */
  endsCall(agent: string, state: string): boolean;
  /** Where the agent transfers a call to a person (its `transferHumanTarget`), if anywhere. */
  transferTarget(agent: string): string | undefined;
  /** The agent's MCP server with this label, if it declares one. */
  mcpServer(agent: string, label: string): McpServerDefinition | undefined;
  /** The same agents and states in GPT-Live's terms (voice instructions, delegation backend config). */
  readonly live: LiveAgents;
}

/**
 * The run context every tool receives: tools reach their session through it, so the SDK agents
 * (and their tools) can be shared between sessions.
 */
export interface SessionContext {
  readonly session: SessionCallbacks;
  /** Who is calling, where the edge knows it; compiled into the instructions' Context. */
  readonly caller?: CallerDetails;
}

export interface SessionCallbacks {
  /** Runs an agent tool with the raw JSON arguments the model sent; returns the model's result text. */
  callTool(tool: ToolDefinition, callId: string, rawArguments: string): Promise<string>;
  /** Handles the `change_state` transition tool; returns the model's result text. */
  changeState(callId: string, rawArguments: string): Promise<string>;
  /** What the conversation has collected so far. */
  slots(): SlotValues;
  /** Handles the `transfer_call` tool (transfer to a person); returns the model's result text. */
  transferCall(callId: string, rawArguments: string): Promise<string>;
}
