import { RealtimeAgent, tool, type RealtimeContextData } from '@openai/agents/realtime';
import { handoff, type FunctionTool, type RunContext } from '@openai/agents';
import type { AgentSet, LoadedAgent } from '../engine/agent-set.ts';
import { compileState } from '../engine/compile-state.ts';
import { decideTransition } from '../engine/decide-transition.ts';
import { stateGraph } from '../engine/state-graph.ts';
import { findState } from '../engine/states.ts';
import { checkSlotValues, missingSlots, type SlotSpec } from '../engine/slots.ts';
import { CHANGE_STATE_TOOL, TRANSFER_CALL_TOOL } from '../engine/transition-tools.ts';
import type { StateGraph } from '../edges/edge.ts';
import type { ToolSpec } from '../tools/tool.ts';
import { VgError } from '../errors.ts';
import type { AgentRuntime, Decision, SessionContext } from './agent-runtime.ts';
import { liveAgents } from './live/live-agents.ts';

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
    const { definition, states, mcpTools } = loaded(name);
    const compiled = compileState(definition, states, stateId);
    const remote = compiled.mcpServers.flatMap((label) => mcpTools.get(label) ?? []);
    const agent = new RealtimeAgent<SessionContext>({
      name,
      voice: definition.voice,
      // Per call: the caller's details (a phone number) and what is known so far go into the Context section.
      instructions: (runContext) => {
        const { caller, session } = runContext.context;
        const known = session.slots();
        return caller || Object.keys(known).length > 0 ? compileState(definition, states, stateId, caller, known).instructions : compiled.instructions;
      },
      handoffDescription: `${name}: ${definition.sections.roleAndObjective.split('\n')[0]}`,
      tools: [...compiled.tools.map((spec) => sdkTool(definition.tools, spec)), ...remote],
    });
    // Cached before its handoffs are built, so agents that hand off to each other terminate.
    agents.set(key, agent);
    // A handoff is offered only once the state's required values are known (the session re-sends
    // the configuration when a tool supplies the last of them).
    const collects = findState(states, stateId)?.collects ?? [];
    for (const transition of compiled.transitions.filter((t) => t.handoff)) {
      const target = realtimeAgent(transition.to, startState(transition.to));
      agent.handoffs.push(collects.some((slot) => slot.required)
        ? handoff(target, { isEnabled: ({ runContext }) => missingSlots(collects, runContext.context.session.slots()).length === 0 })
        : target);
    }
    return agent;
  };
  const slots = slotCatalog(set);

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
    slots,
    endsCall: (name, stateId) => findState(loaded(name).states, stateId)?.hangup === true,
    transferTarget: (name) => loaded(name).definition.transferHumanTarget,
    mcpServer: (name, label) => loaded(name).definition.mcpServers?.find((server) => server.label === label),
    live: liveAgents(set),
    decide: (name, stateId, rawArguments, known): Decision => {
      const args = parseArguments(rawArguments);
      if (typeof args?.next_step !== 'string') return { ok: false, reason: 'arguments must be a JSON object with a string "next_step"' };
      const requested = args.next_step;
      const { definition, states } = loaded(name);
      const decision = decideTransition(states, stateId, requested, definition);
      if (!decision.ok) return decision;
      if (decision.handoff) return { ok: false, reason: `'${requested}' is another agent: call transfer_to_${decision.handoff} instead` };
      const collects = findState(states, stateId)?.collects ?? [];
      const checked = checkSlotValues(args.values, new Map(collects.map((slot) => [slot.name, slot])));
      if (!checked.ok) return { ok: false, reason: `values: ${checked.reason}` };
      const missing = missingSlots(collects, { ...known, ...checked.values });
      if (missing.length > 0) {
        return { ok: false, reason: `${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} required before ${decision.to}: ask the caller, confirm, and pass ${missing.length === 1 ? 'it' : 'them'} in "values"` };
      }
      return { ok: true, to: decision.to, values: checked.values };
    },
  };
}

/** Every slot of every agent's states, by name (loadAgentSet has checked that one name has one schema). */
function slotCatalog(set: AgentSet): Map<string, SlotSpec> {
  const catalog = new Map<string, SlotSpec>();
  for (const { states } of set.byName.values()) {
    for (const state of states.states) for (const slot of state.collects) if (!catalog.has(slot.name)) catalog.set(slot.name, slot);
  }
  return catalog;
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

function parseArguments(rawArguments: string): { next_step?: unknown; values?: unknown } | undefined {
  try {
    const args: unknown = JSON.parse(rawArguments);
    return typeof args === 'object' && args !== null && !Array.isArray(args) ? args : undefined;
  } catch {
    return undefined;
  }
}
