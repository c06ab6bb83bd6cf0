import { RealtimeAgent, tool, type RealtimeContextData } from '@openai/agents/realtime';
import type { FunctionTool, RunContext } from '@openai/agents';
import type { AgentSet, LoadedAgent } from '../engine/agent-set.ts';
import { compileState } from '../engine/compile-state.ts';
import { decideTransition } from '../engine/decide-transition.ts';
import { stateGraph } from '../engine/state-graph.ts';
import { CHANGE_STATE_TOOL, TRANSFER_CALL_TOOL } from '../engine/transition-tools.ts';
import { findState } from '../engine/states.ts';
import type { StateGraph } from '../edges/edge.ts';
import type { ToolSpec } from '../tools/tool.ts';
import { VgError } from '../errors.ts';
import type { AgentRuntime, Decision, SessionContext } from './agent-runtime.ts';

type Context = RealtimeContextData<SessionContext>;
type SdkTool = FunctionTool<Context>;
/** The JSON-Schema form of the SDK's non-strict tool parameters. */
type SdkJsonParameters = Extract<Parameters<typeof tool>[0], { strict: false }>['parameters'];

/**
 * Binds the state engine to the Agents SDK: one RealtimeAgent per (agent, state), built on first use
 * and shared by every session (tools find their session through the run context). Its
 * instructions and tools are the compiled state; its handoffs are the state's handoff transitions.
 */
export function createAgentRuntime(set: AgentSet): AgentRuntime {
  const agents = new Map<string, RealtimeAgent<SessionContext>>();
  const graphs = new Map<string, StateGraph>();

  const loaded = (name: string): LoadedAgent => {
    const agent = set.byName.get(name);
    if (!agent) throw new VgError('VG_ERR_AGENT_INVALID', `no agent "${name}"`);
    return agent;
  };
  const startState = (name: string): string => loaded(name).states.states[0].id;

  const realtimeAgent = (name: string, stateId: string): RealtimeAgent<SessionContext> => {
    const key = `${name}\u0000${stateId}`;
    const cached = agents.get(key);
    if (cached) return cached;
    const { definition, states } = loaded(name);
    const compiled = compileState(definition, states, stateId);
    const agent = new RealtimeAgent<SessionContext>({
      name,
      voice: definition.voice,
      // Per call: the caller's details (a phone number) go into the Context section.
      instructions: (runContext) => {
        const caller = runContext.context.caller;
        return caller ? compileState(definition, states, stateId, caller).instructions : compiled.instructions;
      },
      handoffDescription: `${name}: ${definition.sections.roleAndObjective.split('\n')[0]}`,
      tools: compiled.tools.map((spec) => sdkTool(definition.tools, spec)),
    });
    // Cached before its handoffs are built, so agents that hand off to each other terminate.
    agents.set(key, agent);
    for (const transition of compiled.transitions.filter((t) => t.handoff)) {
      agent.handoffs.push(realtimeAgent(transition.to, startState(transition.to)));
    }
    return agent;
  };

  return {
    startAgent: set.start.definition.name,
    startState,
    voice: (name) => loaded(name).definition.voice,
    graph: (name) => {
      let graph = graphs.get(name);
      if (!graph) {
        const { definition, states } = loaded(name);
        graph = stateGraph(name, states, definition.transferAgentsTarget);
        graphs.set(name, graph);
      }
      return graph;
    },
    realtimeAgent,
    endsCall: (name, stateId) => findState(loaded(name).states, stateId)?.hangup === true,
    transferTarget: (name) => loaded(name).definition.transferHumanTarget,
    decide: (name, stateId, rawArguments): Decision => {
      const requested = nextStep(rawArguments);
      if (requested === undefined) return { ok: false, reason: 'arguments must be a JSON object with a string "next_step"' };
      const { definition, states } = loaded(name);
      const decision = decideTransition(states, stateId, requested, definition);
      if (decision.ok && decision.handoff) {
        return { ok: false, reason: `'${requested}' is another agent: call transfer_to_${decision.handoff} instead` };
      }
      return decision;
    },
  };
}

/** The SDK tool for one compiled tool spec: the transition tool, or an agent tool run by runTool. */
function sdkTool(agentTools: LoadedAgent['definition']['tools'], spec: ToolSpec): SdkTool {
  const definition = agentTools.find((t) => t.name === spec.name);
  return tool({
    name: spec.name,
    description: spec.description,
    // The SDK's non-strict schema type insists on `additionalProperties: true`; ours are stricter
    // JSON Schemas, validated by runTool itself, so the shape is passed through as written.
    parameters: spec.parameters as unknown as SdkJsonParameters,
    strict: false,
    execute: async (_input, runContext?: RunContext<Context>, details?) => {
      const session = runContext?.context.session;
      const call = details?.toolCall;
      if (!session || !call) throw new Error(`${spec.name} called outside a voice session`);
      if (spec.name === CHANGE_STATE_TOOL) return session.changeState(call.callId, call.arguments);
      if (spec.name === TRANSFER_CALL_TOOL) return session.transferCall(call.callId, call.arguments);
      if (!definition) throw new Error(`no handler for tool ${spec.name}`);
      return session.callTool(definition, call.callId, call.arguments);
    },
  });
}

function nextStep(rawArguments: string): string | undefined {
  try {
    const args: unknown = JSON.parse(rawArguments);
    const step = (args as { next_step?: unknown } | null)?.next_step;
    return typeof step === 'string' ? step : undefined;
  } catch {
    return undefined;
  }
}
