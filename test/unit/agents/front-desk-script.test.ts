import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { agents, startAgent, statesDir } from '../../../agents/index.ts';
import { loadAgentSet } from '../../../src/engine/agent-set.ts';
import { compileState } from '../../../src/engine/compile-state.ts';
import { scriptProblems } from '../../../src/engine/script-check.ts';
import { handoffToolName } from '../../../src/engine/transition-tools.ts';
import { missingSlots } from '../../../src/engine/slots.ts';
import { findState } from '../../../src/engine/states.ts';
import { Responder } from '../../../src/emulator/responder/responder.ts';
import { validateScript, type ContextScript } from '../../../src/emulator/responder/script.ts';
import type { Item } from '../../../src/emulator/protocol/items.ts';
import type { Tool } from '../../../src/emulator/protocol/session-config.ts';

const set = loadAgentSet(agents, statesDir, startAgent);
const raw = (): ContextScript => JSON.parse(readFileSync(new URL('../../../agents/front-desk.script.json', import.meta.url), 'utf8')) as ContextScript;
const logger = pino({ level: 'silent' });

/** What the gateway sends for an agent's state: its compiled instructions and tools, handoffs included. */
function sent(agent: string, state: string, known: Record<string, unknown> = {}) {
  const loaded = set.byName.get(agent)!;
  const compiled = compileState(loaded.definition, loaded.states, state, undefined, known);
  const tools: Tool[] = compiled.tools.map((tool) => ({ type: 'function', name: tool.name, parameters: tool.parameters as Record<string, unknown> }));
  // As the session does: a handoff is offered once the state's required values are known.
  const collects = findState(loaded.states, state)?.collects ?? [];
  if (missingSlots(collects, known).length === 0) {
    for (const t of compiled.transitions) if (t.handoff) tools.push({ type: 'function', name: handoffToolName(t.to), parameters: {} });
  }
  return { instructions: compiled.instructions, tools };
}

let ids = 0;
const user = (text: string): Item => ({ id: `u${ids++}`, type: 'message', status: 'completed', role: 'user', content: [{ type: 'input_text', text }] });
const said = (text: string): Item => ({ id: `a${ids++}`, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_audio', audio: null, transcript: text }] });
function called(name: string, args: object, output: string): Item[] {
  const call = `c${ids++}`;
  return [
    { id: `f${ids++}`, type: 'function_call', status: 'completed', name, call_id: call, arguments: JSON.stringify(args) },
    { id: `o${ids++}`, type: 'function_call_output', call_id: call, output },
  ];
}

describe('front-desk.script.json against the demo agents', () => {
  it('fits the agents: every call is offered where its rule applies, every move is a declared transition', () => {
    expect(scriptProblems(validateScript(raw(), 'demo'), set)).toEqual([]);
  });

  it('names the step that calls a tool the state does not offer, or moves where no transition goes', () => {
    const script = raw();
    script.responses[1].respond = [{ call: 'change_state', arguments: { next_step: '3_get_last_name' } }];
    script.responses[7].respond = [{ call: 'authenticateUser', arguments: {} }];
    script.responses.push({ state: '9_nowhere', respond: [{ say: 'Hm.' }] });
    expect(scriptProblems(validateScript(script, 'demo'), set)).toEqual([
      '$.responses[1].respond[0] moves to "3_get_last_name", which is not a transition of state "1_greeting" of agent "frontDesk" (allowed: 2_get_first_name)',
      '$.responses[7].respond[0] calls "authenticateUser", which is not offered in state "1_welcome" of agent "tourGuide" (offered: getFacilityInfo, change_state)',
      `$.responses[${script.responses.length - 1}].state names state "9_nowhere", which no agent has (agents: frontDesk, tourGuide)`,
    ]);
  });

  it('decides from the state and what the response answers, whatever came before', () => {
    const r = new Responder(validateScript(raw(), 'demo'), logger);
    const greeting = sent('frontDesk', '1_greeting');
    expect(r.respond({ ...greeting, items: [] })).toEqual([{ say: expect.stringMatching(/front desk/) }]);
    // The caller speaks first: the greeting is skipped, the flow moves on.
    expect(r.userInput({ kind: 'audio', durationMs: 1500 }, { ...greeting, items: [] })).toBe('My first name is Jane, J-A-N-E.');
    const afterUser = [user('My first name is Jane, J-A-N-E.')];
    expect(r.respond({ ...greeting, items: afterUser })).toEqual([{ call: 'change_state', arguments: { next_step: '2_get_first_name', reason: 'Greeting complete.' } }]);
    // Entering 2_get_first_name (the move's output) and a user turn there both confirm the name.
    const first = sent('frontDesk', '2_get_first_name');
    const entered = [...afterUser, ...called('change_state', { next_step: '2_get_first_name' }, '{"ok":true}')];
    const confirm = r.respond({ ...first, items: entered });
    expect(confirm.at(-1)).toMatchObject({ call: 'change_state', arguments: { next_step: '3_get_last_name', values: { first_name: 'Jane' } } });
    // A barge-in cut that response before its move: the caller repeats, the state is still 2, the move comes again.
    expect(r.userInput({ kind: 'audio', durationMs: 900 }, { ...first, items: [...entered, said('Thank')] })).toBe('Jane. J-A-N-E.');
    expect(r.respond({ ...first, items: [...entered, said('Thank'), user('Jane. J-A-N-E.')] })).toEqual(confirm);
    // In 4_next_steps: verify first; once the handoff is on offer, hand off.
    expect(r.respond({ ...sent('frontDesk', '4_next_steps'), items: [user('x')] }).at(-1)).toMatchObject({ call: 'authenticateUser' });
    const verified = sent('frontDesk', '4_next_steps', { first_name: 'Jane', last_name: 'Doe', member_id: 'M-1001' });
    expect(verified.tools.map((t) => t.type === 'function' && t.name)).toContain('transfer_to_tourGuide');
    expect(r.respond({ ...verified, items: called('authenticateUser', {}, '{"verified":true}') }).at(-1)).toEqual({ call: 'transfer_to_tourGuide', arguments: {} });
  });

  it('typed words pick the rule: a question about the pool looks it up, "that\'s all" wraps up', () => {
    const r = new Responder(validateScript(raw(), 'demo'), logger);
    const overview = sent('tourGuide', '2_overview');
    expect(r.respond({ ...overview, items: [user('When does the pool open?')] })).toEqual([{ call: 'getFacilityInfo', arguments: { facility: 'pool' } }]);
    expect(r.respond({ ...overview, items: [user("No, that's all.")] })).toEqual([{ call: 'change_state', arguments: { next_step: '3_wrap_up', reason: 'No more questions.' } }]);
    expect(r.respond({ ...overview, items: [user('Hmm.')] })).toEqual([{ say: expect.stringMatching(/pool, a gym/) }]);
  });

  it('never answers a tool result with the very same call: a refused move is not retried in a loop', () => {
    const r = new Responder(validateScript(raw(), 'demo'), logger);
    const refused = called('change_state', { next_step: '3_get_last_name', reason: 'First name confirmed.', values: { first_name: 'Jane' } }, '{"ok":false}');
    expect(r.respond({ ...sent('frontDesk', '2_get_first_name'), items: refused })).toEqual([{ say: 'Thank you. J-A-N-E, Jane.' }]);
  });
});
