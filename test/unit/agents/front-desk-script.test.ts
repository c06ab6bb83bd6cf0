import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { agents, startAgent, statesDir } from '../../../agents/index.ts';
import { loadAgentSet } from '../../../src/engine/agent-set.ts';
import { compileState } from '../../../src/engine/compile-state.ts';
import { decideTransition } from '../../../src/engine/decide-transition.ts';
import { CHANGE_STATE_TOOL, HANDOFF_TOOL_PREFIX } from '../../../src/engine/transition-tools.ts';
import { runTool } from '../../../src/tools/run-tool.ts';
import { ConversationData } from '../../../src/session/conversation-data.ts';
import { createAgentRuntime } from '../../../src/session/realtime-agents.ts';
import { missingSlots } from '../../../src/engine/slots.ts';
import { findState } from '../../../src/engine/states.ts';

// The emulator's conversation-script format, as far as this file uses it.
const Step = z.union([
  z.strictObject({ say: z.string().min(1) }),
  z.strictObject({ call: z.string().min(1), arguments: z.record(z.string(), z.unknown()) }),
]);
const Script = z.strictObject({
  name: z.string().min(1),
  turns: z.array(z.strictObject({ user: z.string().min(1).optional(), responses: z.array(z.array(Step).min(1)).min(1) })).min(1),
});
type Script = z.infer<typeof Script>;

const set = loadAgentSet(agents, statesDir, startAgent);
const runtime = createAgentRuntime(set);

function readScript(): Script {
  return Script.parse(JSON.parse(readFileSync(new URL('../../../agents/front-desk.script.json', import.meta.url), 'utf8')));
}

/**
 * Plays the script against the state machine as the gateway would: every change_state must be
 * allowed where it happens, every tool must belong to the agent speaking, every handoff must be a
 * declared transition. Returns the path taken; throws at the first step a real session would refuse.
 */
async function walk(script: Script): Promise<{ path: string[]; results: unknown[] }> {
  let agent = set.start;
  let state = agent.states.states[0]?.id ?? '';
  let handedOff = false;
  const path = [`${agent.definition.name}/${state}`];
  const results: unknown[] = [];
  const data = new ConversationData(runtime.slots);
  const ctx = { sessionId: 'script', logger: pino({ level: 'silent' }), signal: new AbortController().signal, slots: data.access() };
  for (const [t, turn] of script.turns.entries()) {
    const where = `turn ${t}`;
    // Only the session start and a new agent's first words come without user input.
    if ((turn.user === undefined) !== (t === 0 || handedOff)) throw new Error(`${where}: user input ${turn.user === undefined ? 'missing' : 'unexpected'}`);
    handedOff = false;
    for (const [r, response] of turn.responses.entries()) {
      const last = r === turn.responses.length - 1;
      const calls = response.flatMap((step) => ('call' in step ? [step] : []));
      if (calls.length > 1) throw new Error(`${where}: more than one call in response ${r}`);
      const call = calls[0];
      // A further response only follows a tool output; after a handoff the next turn is the new agent's.
      const endsTurn = call === undefined || call.call.startsWith(HANDOFF_TOOL_PREFIX);
      if (endsTurn !== last) {
        throw new Error(`${where}: response ${r} ${last ? 'calls a tool but nothing answers its output' : 'is followed by a response nothing asked for'}`);
      }
      if (call === undefined) continue;
      const compiled = compileState(agent.definition, agent.states, state);
      if (call.call === CHANGE_STATE_TOOL) {
        // As the session decides: the move, and the values the state collects.
        const decision = runtime.decide(agent.definition.name, state, JSON.stringify(call.arguments), data.values);
        if (!decision.ok) throw new Error(`${where}: change_state refused: ${decision.reason}`);
        data.merge(decision.values);
        state = decision.to;
      } else if (call.call.startsWith(HANDOFF_TOOL_PREFIX)) {
        const target = call.call.slice(HANDOFF_TOOL_PREFIX.length);
        const decision = decideTransition(agent.states, state, target, agent.definition);
        const next = set.byName.get(target);
        if (!decision.ok || decision.handoff !== target || next === undefined) throw new Error(`${where}: handoff to ${target} refused`);
        const missing = missingSlots(findState(agent.states, state)?.collects ?? [], data.values);
        if (missing.length > 0) throw new Error(`${where}: handoff to ${target} before ${missing.join(', ')} known`);
        agent = next;
        state = next.states.states[0]?.id ?? '';
        handedOff = true;
      } else {
        const tool = agent.definition.tools.find((candidate) => candidate.name === call.call);
        if (tool === undefined || !compiled.tools.some((spec) => spec.name === call.call)) throw new Error(`${where}: ${call.call} is not a tool of ${agent.definition.name}`);
        const outcome = await runTool(tool, JSON.stringify(call.arguments), ctx, { defaultTimeoutMs: 1_000 });
        if (!outcome.ok) throw new Error(`${where}: ${call.call} failed: ${outcome.output}`);
        results.push(JSON.parse(outcome.output));
      }
      path.push(`${agent.definition.name}/${state}`);
    }
  }
  return { path: [...new Set(path)], results };
}

describe('front-desk.script.json', () => {
  it('walks the whole example flow along declared transitions', async () => {
    const { path, results } = await walk(readScript());
    expect(path).toEqual([
      'frontDesk/1_greeting',
      'frontDesk/2_get_first_name',
      'frontDesk/3_get_last_name',
      'frontDesk/4_next_steps',
      'tourGuide/1_welcome',
      'tourGuide/2_overview',
      'tourGuide/3_wrap_up',
    ]);
    expect(results[0]).toMatchObject({ verified: true, first_name: 'Jane', last_name: 'Doe' });
  });

  it('collects the first and last name on the way, and would be refused without them', async () => {
    const script = readScript();
    const move = script.turns[1]?.responses[1]?.find((step) => 'call' in step);
    if (move && 'call' in move) delete move.arguments.values;
    await expect(walk(script)).rejects.toThrow('turn 1: change_state refused: first_name is required before 3_get_last_name');
  });

  it('calls only change_state, the agents\' tools and transfer_to_tourGuide', () => {
    const calls = readScript().turns.flatMap((turn) => turn.responses.flat().flatMap((step) => ('call' in step ? [step.call] : [])));
    expect(new Set(calls)).toEqual(new Set(['change_state', 'authenticateUser', 'transfer_to_tourGuide', 'getFacilityInfo']));
  });

  it('would be refused if it skipped a state', async () => {
    const script = readScript();
    const skip = script.turns[1]?.responses[0]?.[0];
    if (skip && 'call' in skip) skip.arguments.next_step = '3_get_last_name';
    await expect(walk(script)).rejects.toThrow("turn 1: change_state refused: '3_get_last_name' is not reachable from '1_greeting'; allowed: 2_get_first_name");
  });

  it('would be refused if it handed off before verification', async () => {
    const script = readScript();
    const turn = script.turns[2];
    if (turn) turn.responses = [[{ call: 'transfer_to_tourGuide', arguments: {} }]];
    await expect(walk(script)).rejects.toThrow('turn 2: handoff to tourGuide refused');
  });

  it('would be refused if the tour guide called a front-desk tool, or left a tool output unanswered', async () => {
    const borrowed = readScript();
    const pool = borrowed.turns[5]?.responses[0];
    if (pool) pool[0] = { call: 'authenticateUser', arguments: { first_name: 'Jane', last_name: 'Doe' } };
    await expect(walk(borrowed)).rejects.toThrow('turn 5: authenticateUser is not a tool of tourGuide');

    const unanswered = readScript();
    unanswered.turns[5]?.responses.pop();
    await expect(walk(unanswered)).rejects.toThrow('turn 5: response 0 calls a tool but nothing answers its output');
  });
});
