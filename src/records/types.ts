/**
 * Call records: what the recorder writes (incrementally, as the call goes), what the store gives
 * back, and the store's interface. Times are epoch milliseconds. Transcripts, tool arguments and
 * results and caller numbers are personal data: only the admin API returns them.
 */

/** One incremental write. `seq` orders a session's rows (one counter per session). */
export type RecordWrite =
  | { kind: 'session'; sessionId: string; edge: string; startedAt: number; callerFrom?: string; callerTo?: string }
  /** The session row again with its end: it recreates a session row the queue had to drop. */
  | { kind: 'end'; sessionId: string; edge: string; startedAt: number; callerFrom?: string; callerTo?: string; endedAt: number; reason: string }
  /** `slots`: the values collected once the move was made (JSON). */
  | { kind: 'state'; sessionId: string; seq: number; at: number; agent: string; state: string; handoff: boolean; slots: string }
  | {
    kind: 'tool'; sessionId: string; seq: number; at: number; callId: string; name: string;
    arguments: string; output: string; ok: boolean; errorCode?: string; durationMs: number;
  }
  /** `cutAtMs`: the agent's turn was cut where the listener stopped hearing it, this far into its audio. */
  | { kind: 'line'; sessionId: string; seq: number; at: number; itemId: string; role: 'user' | 'assistant'; text: string; cutAtMs?: number }
  /** A cut that became known after its line was written. */
  | { kind: 'cut'; sessionId: string; itemId: string; cutAtMs: number }
  | { kind: 'latency'; sessionId: string; seq: number; at: number; itemId: string; latencyMs: number };

export interface SessionSummary {
  id: string;
  edge: string;
  started_at: string;
  /** null while the call is live, or when the gateway stopped before it could write the end. */
  ended_at: string | null;
  end_reason: string | null;
  /** Agents in the order the call reached them. */
  agents: string[];
  caller: { from: string | null; to: string | null } | null;
}

/** `slots`: what the conversation had collected once it was in this state. */
export interface StateMove { at: string; agent: string; state: string; handoff: boolean; slots: Record<string, unknown> }
export interface ToolCall {
  at: string; call_id: string; name: string; arguments: string; output: string; ok: boolean; error_code: string | null; duration_ms: number;
}
export interface TranscriptLine { at: string; item_id: string; role: 'user' | 'assistant'; text: string; cut_at_ms: number | null }
export interface TurnLatency { at: string; item_id: string; latency_ms: number }

export interface CallRecord extends SessionSummary {
  /** The path through the states, the start state first. */
  states: StateMove[];
  tools: ToolCall[];
  transcript: TranscriptLine[];
  turns: TurnLatency[];
}

export interface SessionQuery {
  limit: number;
  /** The last session of the previous page: the page holds the ones older than it. */
  before?: { startedAt: number; id: string };
  edge?: string;
  agent?: string;
  endReason?: string;
  /** started_at >= fromMs and < toMs. */
  fromMs?: number;
  toMs?: number;
}

export interface SessionPage {
  sessions: SessionSummary[];
  /** Set when older sessions match too. */
  more: boolean;
}

export interface RecordStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Applies the migrations not yet applied; safe to call again, and from several gateways at once. */
  migrate(): Promise<void>;
  /** Applies a batch in one transaction; applying the same batch twice changes nothing more. */
  write(batch: readonly RecordWrite[]): Promise<void>;
  listSessions(query: SessionQuery): Promise<SessionPage>;
  getSession(id: string): Promise<CallRecord | undefined>;
  /** Deletes the sessions started before `beforeMs`, with their rows; returns how many sessions went. */
  prune(beforeMs: number): Promise<number>;
  /** Whether an error means the database is unreachable or busy (retry), not that the batch is bad. */
  isTransient(err: unknown): boolean;
  close(): Promise<void>;
}
