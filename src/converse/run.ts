import { resample } from '../audio/resampler.ts';
import { concatInt16 } from '../audio/pcm.ts';
import { SpeechSynthesizer, SYNTH_RATE_HZ } from '../emulator/speech/index.ts';
import { checkExpectations, checkTurn, type Observed } from './expectations.ts';
import { SPEECH_RATE_HZ, type Caller, type CallEvent } from './caller.ts';
import type { CallerTurn, ConversationTest } from './test-file.ts';

// Runs one conversation test against a listening gateway: the caller's turns in order (each,
// unless it barges in, once the agent has finished speaking and been heard), then the checks.

const LEAD_SILENCE_MS = 300;
const TRAIL_SILENCE_MS = 1_000;
/** The agent counts as finished once nothing has happened for this long after it spoke. */
const QUIET_MS = 800;
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface TurnReport {
  index: number;
  /** What the caller did ("turn 2: say …"): a stable name for CI. */
  title: string;
  /** The title and what followed (states, tools, latency), for the progress line. */
  line: string;
  /** End of the caller's speech (or the typed text) to the first agent audio. */
  latencyMs?: number;
  failures: string[];
}

export interface ConversationReport {
  file: string;
  name: string;
  turns: TurnReport[];
  failures: string[];
  durationMs: number;
  observed: Observed;
}

export type ProgressSink = (line: string) => void;

/** Places the call on the test's edge. */
export type CallerFactory = () => Promise<Caller>;

export async function runConversation(test: ConversationTest, file: string, connect: CallerFactory, synthesizer: SpeechSynthesizer, progress: ProgressSink): Promise<ConversationReport> {
  const started = performance.now();
  const timeoutMs = test.timeout_ms ?? DEFAULT_TIMEOUT_MS;
  const caller = await connect();
  const turns: TurnReport[] = [];
  const failures: string[] = [];
  try {
    const ready = () => caller.events.some((e) => e.value.type === 'session.ready');
    await caller.until(() => ready() || caller.closed, timeoutMs, 'no session.ready');
    if (!ready()) {
      const end = caller.events.find((e) => e.value.type === 'session.ended')?.value;
      throw new Error(`the call ended before its session was ready${end?.type === 'session.ended' ? ` (${end.reason})` : ''}`);
    }
    let since = 0;
    for (const [index, turn] of test.turns.entries()) {
      const report = await runTurn(caller, turn, index, since, timeoutMs, test.expect?.latency_ms, synthesizer);
      turns.push(report);
      progress(`  ${report.failures.length === 0 ? '✓' : '✗'} ${report.line}`);
      for (const failure of report.failures) progress(`      ${failure}`);
      since = report.startedAt;
      if (caller.closed) break;
    }
    await caller.until(() => caller.agentDone(since, QUIET_MS), timeoutMs, 'the agent did not finish its last answer').catch((err: Error) => failures.push(err.message));
    if (test.expect?.ended) {
      await caller.until(() => ended(caller), timeoutMs, 'the call did not end').catch(() => undefined);
    }
  } catch (err) {
    failures.push((err as Error).message);
  } finally {
    await caller.close();
  }
  const summary = caller.summary();
  if (summary) progress(`  ${summary}`);
  const observed = observe(caller);
  failures.push(...checkExpectations(test.expect ?? {}, observed));
  return { file, name: test.name, turns, failures: [...failures, ...turns.flatMap((t) => t.failures.map((f) => `turn ${t.index + 1}: ${f}`))], durationMs: performance.now() - started, observed };
}

async function runTurn(
  caller: Caller,
  turn: CallerTurn,
  index: number,
  since: number,
  timeoutMs: number,
  budgetMs: number | undefined,
  synthesizer: SpeechSynthesizer,
): Promise<TurnReport & { startedAt: number }> {
  const what = turn.say !== undefined ? `say "${clip(turn.say)}"` : `type "${clip(turn.type ?? '')}"`;
  const line = `turn ${index + 1}: ${what}${turn.barge_in ? ' (barging in)' : ''}`;
  const failures: string[] = [];
  const audio = turn.say === undefined ? undefined : await speech(synthesizer, turn.say);
  try {
    if (turn.barge_in) await caller.until(() => caller.audioAt.some((at) => at > since) && caller.agentPlaying(), timeoutMs, 'the agent did not start speaking to barge in on');
    else await caller.until(() => caller.agentDone(since, QUIET_MS), timeoutMs, 'the agent did not finish speaking');
  } catch (err) {
    return { index, title: line, line, failures: [(err as Error).message], startedAt: performance.now() };
  }
  const startedAt = performance.now();
  caller.reportPlayed(!turn.barge_in);
  let speechEnd: number;
  if (audio) {
    speechEnd = (await caller.stream(audio.samples)) + audio.speechEndMs;
  } else {
    caller.control({ type: 'input_text', text: turn.type });
    speechEnd = performance.now();
  }
  const expect = turn.expect ?? {};
  failures.push(...(await checkTurn(expect, caller, startedAt, timeoutMs)));
  const budget = expect.latency_ms ?? budgetMs;
  await caller.until(() => caller.audioAt.some((at) => at > speechEnd), budget === undefined ? timeoutMs : Math.max(budget, timeoutMs), 'no agent audio after the turn').catch(() => undefined);
  const first = caller.audioAt.find((at) => at > speechEnd);
  const latencyMs = first === undefined ? undefined : Math.round(first - speechEnd);
  if (budget !== undefined && (latencyMs === undefined || latencyMs > budget)) {
    failures.push(`first agent audio ${latencyMs === undefined ? 'never came' : `came ${latencyMs} ms`} after the end of the caller's ${audio ? 'speech' : 'text'}; the budget is ${budget} ms`);
  }
  const after = caller.events.filter((e) => e.at > startedAt).map((e) => e.value);
  const moves = after.flatMap((e) => (e.type === 'state.changed' ? [e] : []));
  const tools = after.flatMap((e) => (e.type === 'tool.call' ? [e.name] : []));
  const facts = [
    moves.length > 0 ? `→ ${moves.map((m) => `${m.agent}/${m.to}`).join(', ')}` : undefined,
    tools.length > 0 ? `tools: ${tools.join(', ')}` : undefined,
    latencyMs !== undefined ? `first audio ${latencyMs} ms` : undefined,
  ].filter(Boolean);
  return { index, title: line, line: `${line}${facts.length > 0 ? `  ${facts.join(' · ')}` : ''}`, latencyMs, failures, startedAt };
}

function ended(caller: Caller): boolean {
  return caller.closed || caller.events.some((e) => e.value.type === 'session.ended');
}

/** What happened on the call, for the checks and the coverage. */
function observe(caller: Caller): Observed {
  const events = caller.events.map((e) => e.value);
  const ready = events.find((e): e is Extract<CallEvent, { type: 'session.ready' }> => e.type === 'session.ready');
  let at = { agent: ready?.agent ?? '', state: ready?.state ?? '' };
  const tools: Observed['tools'] = [];
  for (const e of events) {
    if (e.type === 'state.changed') at = { agent: e.agent, state: e.to };
    else if (e.type === 'tool.call') tools.push({ name: e.name, callId: e.call_id, arguments: e.arguments, ...at });
  }
  return {
    start: ready ? { agent: ready.agent, state: ready.state } : undefined,
    moves: events.flatMap((e) => (e.type === 'state.changed' ? [{ agent: e.agent, from: e.from, to: e.to }] : [])),
    tools,
    results: events.flatMap((e) => (e.type === 'tool.result' ? [{ name: e.name, callId: e.call_id, error: e.error }] : [])),
    transcript: events.flatMap((e) => (e.type === 'transcript' && e.final ? [{ role: e.role, text: e.text }] : [])),
    ended: events.some((e) => e.type === 'session.ended'),
  };
}

/** The caller's words as speech: lead-in silence, the words, and silence enough to end the turn. */
async function speech(synthesizer: SpeechSynthesizer, text: string): Promise<{ samples: Int16Array; speechEndMs: number }> {
  const words = await resample(await synthesizer.synthesize(text, {}), SYNTH_RATE_HZ, SPEECH_RATE_HZ);
  const silence = (ms: number) => new Int16Array((ms * SPEECH_RATE_HZ) / 1000);
  return { samples: concatInt16([silence(LEAD_SILENCE_MS), words, silence(TRAIL_SILENCE_MS)]), speechEndMs: LEAD_SILENCE_MS + (words.length * 1000) / SPEECH_RATE_HZ };
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
