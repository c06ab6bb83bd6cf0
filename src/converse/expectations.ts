import { isDeepStrictEqual } from 'node:util';
import type { Caller, CallEvent } from './caller.ts';
import type { Expectations, TurnExpectations } from './test-file.ts';

// The checks of a conversation test. Each failure says what was expected and what happened
// instead, so a wrong expectation (or a broken flow) reads as a sentence.

export interface Observed {
  start: { agent: string; state: string } | undefined;
  moves: { agent: string; from: string; to: string }[];
  /** Each call with the state the conversation was in when it was made. */
  tools: { name: string; callId: string; arguments: string; agent: string; state: string }[];
  results: { name: string; callId: string; error: boolean }[];
  transcript: { role: 'user' | 'assistant'; text: string }[];
  ended: boolean;
}

/** Waits for what a turn expects (up to `timeoutMs` each); returns what did not come. */
export async function checkTurn(expect: TurnExpectations, caller: Caller, since: number, timeoutMs: number): Promise<string[]> {
  const after = () => caller.events.filter((e) => e.at > since).map((e) => e.value);
  const failures: string[] = [];
  const wait = async (done: (events: CallEvent[]) => boolean, failure: () => string) => {
    await caller.until(() => done(after()), timeoutMs, 'x').catch(() => failures.push(failure()));
  };
  if (expect.state !== undefined) {
    const wanted = expect.state;
    await wait((events) => events.some((e) => e.type === 'state.changed' && reaches(e, wanted)), () => `expected the conversation to reach ${wanted}; it went to ${listOr(after().flatMap((e) => (e.type === 'state.changed' ? [`${e.agent}/${e.to}`] : [])), 'no other state')}`);
  }
  if (expect.says !== undefined) {
    const pattern = new RegExp(expect.says, 'i');
    await wait((events) => events.some((e) => e.type === 'transcript' && e.role === 'assistant' && e.final && pattern.test(e.text)), () => `expected the agent to say /${expect.says}/; it said ${listOr(after().flatMap((e) => (e.type === 'transcript' && e.role === 'assistant' && e.final ? [JSON.stringify(e.text)] : [])), 'nothing')}`);
  }
  if (expect.tool !== undefined) {
    await wait((events) => events.some((e) => e.type === 'tool.call' && e.name === expect.tool), () => `expected a call of ${expect.tool}; called ${listOr(after().flatMap((e) => (e.type === 'tool.call' ? [e.name] : [])), 'nothing')}`);
  }
  return failures;
}

export function checkExpectations(expect: Expectations, observed: Observed): string[] {
  const failures: string[] = [];
  const path = [...(observed.start ? [observed.start] : []), ...observed.moves.map((m) => ({ agent: m.agent, state: m.to }))];
  if (expect.states) {
    const missing = firstMissing(expect.states, path, (wanted, at) => reaches({ agent: at.agent, to: at.state }, wanted));
    if (missing !== undefined) failures.push(`expected the states ${expect.states.join(' → ')} in order; ${missing} was not reached after the ones before it (the path was ${path.map((p) => `${p.agent}/${p.state}`).join(' → ')})`);
  }
  if (expect.tools) {
    const missing = firstMissing(expect.tools, observed.tools, (wanted, call) => call.name === wanted.name && includes(parse(call.arguments), wanted.arguments ?? {}));
    if (missing !== undefined) {
      const called = observed.tools.map((call) => `${call.name} ${call.arguments}`);
      failures.push(`expected a call of ${missing.name}${missing.arguments ? ` with arguments including ${JSON.stringify(missing.arguments)}` : ''} (in order); called ${listOr(called, 'no tool')}`);
    }
  }
  for (const line of expect.transcript ?? []) {
    const pattern = new RegExp(line, 'i');
    if (!observed.transcript.some((t) => pattern.test(t.text))) failures.push(`expected a transcript line matching /${line}/; none did (${observed.transcript.length} lines)`);
  }
  if (expect.handoff !== undefined && !observed.moves.some((m) => m.agent === expect.handoff && m.agent !== observed.start?.agent)) {
    failures.push(`expected a handoff to ${expect.handoff}; the agents were ${[...new Set(path.map((p) => p.agent))].join(', ') || 'none'}`);
  }
  if (expect.ended !== undefined && expect.ended !== observed.ended) {
    failures.push(expect.ended ? 'expected the call to end; it was still going' : 'expected the call to go on; it ended');
  }
  return failures;
}

/** "state" matches a state of any agent; "agent/state" that agent's. */
function reaches(move: { agent: string; to: string }, wanted: string): boolean {
  const slash = wanted.indexOf('/');
  return slash < 0 ? move.to === wanted : move.agent === wanted.slice(0, slash) && move.to === wanted.slice(slash + 1);
}

/** The first wanted entry not found, in order, in `seen`. */
function firstMissing<W, S>(wanted: readonly W[], seen: readonly S[], match: (w: W, s: S) => boolean): W | undefined {
  let at = 0;
  for (const entry of wanted) {
    const found = seen.findIndex((s, i) => i >= at && match(entry, s));
    if (found < 0) return entry;
    at = found + 1;
  }
  return undefined;
}

/** Whether `actual` has every field of `wanted` (objects compared field by field, the rest exactly). */
function includes(actual: unknown, wanted: unknown): boolean {
  if (typeof wanted !== 'object' || wanted === null || Array.isArray(wanted)) return isDeepStrictEqual(actual, wanted);
  if (typeof actual !== 'object' || actual === null) return false;
  return Object.entries(wanted).every(([key, value]) => includes((actual as Record<string, unknown>)[key], value));
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function listOr(items: readonly string[], none: string): string {
  return items.length === 0 ? none : items.join(', ');
}
