import type { Logger } from 'pino';
import type { FactHub, SessionFacts, SessionStarted, TranscriptFinal } from '../observability/session-facts.ts';
import type { RecordWrite } from './types.ts';

export interface RecorderOptions {
  /** Where the writes go (a WriteQueue): called on the session's own event-loop turn, so it must be cheap. */
  push: (write: RecordWrite) => void;
  /** The gateway's session facts. */
  facts: FactHub;
  log: Logger;
}

/** Rows one call may leave at most (an hour-long call has a few hundred); past it they are counted, not kept. */
const MAX_ROWS_PER_CALL = 5_000;
/** Text kept per transcript line, tool arguments and tool result. */
const MAX_TEXT_CHARS = 16_000;
/** Agent turns whose cut is remembered until their transcript line arrives. */
const MAX_PENDING_CUTS = 32;

interface LiveCall {
  /** Its session row, written again with the end. */
  readonly row: Extract<RecordWrite, { kind: 'session' }>;
  seq: number;
  /** Agent lines already written, so a cut that comes after its line becomes an update. */
  readonly agentLines: Set<string>;
  readonly pendingCuts: Map<string, number>;
  skipped: number;
}

/**
 * Turns one gateway's session facts into call-record writes. It does no I/O: each fact becomes
 * one queued write, and the queue writes off the session's path.
 */
export class CallRecorder {
  readonly #opts: RecorderOptions;
  readonly #calls = new Map<string, LiveCall>();
  readonly #stopListening: () => void;

  constructor(opts: RecorderOptions) {
    this.#opts = opts;
    const of = <K extends keyof SessionFacts>(handle: (m: SessionFacts[K], call: LiveCall) => void) => (m: SessionFacts[K]) => {
      const call = this.#calls.get(m.sessionId);
      if (call) handle(m, call);
    };
    this.#stopListening = opts.facts.listen({
      sessionStarted: (m) => this.#started(m),
      // A call that never went live still leaves its record: when, where from, and why it failed.
      sessionNeverLive: (m) => {
        const endedAt = Date.now();
        // The end row alone writes the whole session row (it is an upsert).
        this.#opts.push({
          kind: 'end', sessionId: m.sessionId, edge: m.edge, startedAt: endedAt - m.durationMs, callerFrom: m.caller?.from, callerTo: m.caller?.to, endedAt, reason: m.reason,
        });
      },
      stateChanged: of<'stateChanged'>((m, call) => {
        this.#row(m.sessionId, call, (seq, at) => ({ kind: 'state', sessionId: m.sessionId, seq, at, agent: m.agent, state: m.to, handoff: m.handoff, slots: clip(JSON.stringify(m.slots)) }));
      }),
      toolFinished: of<'toolFinished'>((m, call) => {
        this.#row(m.sessionId, call, (seq, at) => ({
          kind: 'tool', sessionId: m.sessionId, seq, at: at - m.durationMs, callId: m.callId, name: m.tool,
          arguments: clip(m.arguments), output: clip(m.output), ok: m.ok, errorCode: m.errorCode, durationMs: m.durationMs,
        }));
      }),
      transcriptFinal: of<'transcriptFinal'>((m, call) => this.#line(m, call)),
      bargeIn: of<'bargeIn'>((m, call) => {
        if (m.truncated && m.itemId !== undefined && m.heardMs !== undefined) this.#cut(m.sessionId, m.itemId, m.heardMs, call);
      }),
      turnCut: of<'turnCut'>((m, call) => this.#cut(m.sessionId, m.itemId, m.cutAtMs, call)),
      turnLatency: of<'turnLatency'>((m, call) => {
        this.#row(m.sessionId, call, (seq, at) => ({ kind: 'latency', sessionId: m.sessionId, seq, at, itemId: m.itemId, latencyMs: m.latencyMs }));
      }),
      sessionEnded: of<'sessionEnded'>((m, call) => {
        this.#opts.push({ ...call.row, kind: 'end', endedAt: Date.now(), reason: m.reason });
        if (call.skipped > 0) this.#opts.log.warn({ session_id: m.sessionId, skipped: call.skipped }, 'call record: rows past the per-call limit were not kept');
        this.#calls.delete(m.sessionId);
      }),
    });
  }

  /** Sessions being recorded now. */
  get live(): number {
    return this.#calls.size;
  }

  close(): void {
    this.#stopListening();
  }

  #started(m: SessionStarted): void {
    const at = Date.now();
    const row = { kind: 'session', sessionId: m.sessionId, edge: m.edge, startedAt: at, callerFrom: m.caller?.from, callerTo: m.caller?.to } as const;
    const call: LiveCall = { row, seq: 0, agentLines: new Set(), pendingCuts: new Map(), skipped: 0 };
    this.#calls.set(m.sessionId, call);
    this.#opts.push(row);
    this.#row(m.sessionId, call, (seq) => ({ kind: 'state', sessionId: m.sessionId, seq, at, agent: m.agent, state: m.state, handoff: false, slots: '{}' }));
  }

  #line(m: TranscriptFinal, call: LiveCall): void {
    const cutAtMs = m.role === 'assistant' ? call.pendingCuts.get(m.itemId) : undefined;
    if (cutAtMs !== undefined) call.pendingCuts.delete(m.itemId);
    const written = this.#row(m.sessionId, call, (seq, at) => ({
      kind: 'line', sessionId: m.sessionId, seq, at, itemId: m.itemId, role: m.role, text: clip(m.text), cutAtMs,
    }));
    if (written && m.role === 'assistant') call.agentLines.add(m.itemId);
  }

  /** An agent turn cut off (a barge-in, a dropped backend): marked on its line, now or when the line arrives. */
  #cut(sessionId: string, itemId: string, cutAtMs: number, call: LiveCall): void {
    if (call.agentLines.has(itemId)) {
      this.#opts.push({ kind: 'cut', sessionId, itemId, cutAtMs });
      return;
    }
    if (call.pendingCuts.size >= MAX_PENDING_CUTS) call.pendingCuts.delete(call.pendingCuts.keys().next().value as string);
    call.pendingCuts.set(itemId, cutAtMs);
  }

  #row(sessionId: string, call: LiveCall, make: (seq: number, at: number) => RecordWrite): boolean {
    if (call.seq >= MAX_ROWS_PER_CALL) {
      call.skipped++;
      return false;
    }
    this.#opts.push(make(call.seq++, Date.now()));
    return true;
  }
}

/** Bounded, and without NUL (PostgreSQL refuses it in text, and would refuse the whole batch). */
function clip(text: string): string {
  const clean = text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
  return clean.length > MAX_TEXT_CHARS ? `${clean.slice(0, MAX_TEXT_CHARS)}…` : clean;
}
