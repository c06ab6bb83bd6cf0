import type { Logger } from 'pino';
import type { ToolEvent } from '../session/tool-events.ts';

/**
 * What a session reports about itself, for metrics and call records. Some facts carry personal
 * data (caller numbers, transcripts, tool arguments and results): listeners must not log those
 * fields at info level.
 */
export interface SessionStarted {
  sessionId: string;
  edge: string;
  agent: string;
  state: string;
  /** What the edge knows of the caller (a phone call's numbers). */
  caller?: { readonly from?: string; readonly to?: string };
}
export interface SessionEnded { sessionId: string; edge: string; reason: string; durationMs: number }
/**
 * A session that ended before it went live: the backend could not be reached, or the caller left
 * while it was being reached. `durationMs`: how long it tried.
 */
export interface SessionNeverLive extends Pick<SessionStarted, 'sessionId' | 'edge' | 'caller'> { reason: string; durationMs: number }
export interface ToolFinished {
  sessionId: string;
  tool: string;
  ok: boolean;
  durationMs: number;
  errorCode?: string;
  callId: string;
  /** The model's arguments (JSON text) and what the model was answered. */
  arguments: string;
  output: string;
}
/** `slots`: the values the conversation has collected once the move is made (personal data: never log them). */
export interface StateChanged { sessionId: string; agent: string; from: string; to: string; handoff: boolean; slots: Record<string, unknown> }
/** With `truncated`, the agent's item `itemId` was cut at `heardMs`: what the listener had heard of it. */
export interface BargeIn { sessionId: string; edge: string; truncated: boolean; itemId?: string; heardMs?: number }
/** The agent's turn `itemId` stopped `cutAtMs` into its audio because the backend connection dropped. */
export interface TurnCut { sessionId: string; itemId: string; cutAtMs: number }
/** A `tool.call` or `tool.result` the session told its edge of (every tool, `change_state` and `transfer_call` too). */
export interface ToolEventFact { sessionId: string; event: ToolEvent }
/** A final transcript line of either side. */
export interface TranscriptFinal { sessionId: string; role: 'user' | 'assistant'; itemId: string; text: string }
/** The first agent audio of an answer went to the listener `latencyMs` after the user's turn ended. */
export interface TurnLatency { sessionId: string; itemId: string; latencyMs: number }
/** A backend link that went down: restored (after `attempts`), or lost (the call ended). */
export interface BackendReconnect { sessionId: string; reason: string; outcome: 'restored' | 'lost'; attempts: number }

/** Every fact a session reports, by name. */
export interface SessionFacts {
  sessionStarted: SessionStarted;
  sessionEnded: SessionEnded;
  sessionNeverLive: SessionNeverLive;
  toolFinished: ToolFinished;
  toolEvent: ToolEventFact;
  stateChanged: StateChanged;
  bargeIn: BargeIn;
  turnCut: TurnCut;
  backendReconnect: BackendReconnect;
  transcriptFinal: TranscriptFinal;
  turnLatency: TurnLatency;
}

export type FactListener = { readonly [K in keyof SessionFacts]?: (fact: SessionFacts[K]) => void };

/** How a session hands on its facts (a FactHub, or a test's own recorder). */
export interface FactSink {
  publish<K extends keyof SessionFacts>(name: K, fact: SessionFacts[K]): void;
}

/**
 * One gateway's session facts, handed to its listeners (metrics, call records) in order. It is the
 * gateway's own, not process-wide, so two gateways in one process never count or record each
 * other's sessions; and a listener that throws is logged and skipped, never taking the session (or,
 * as a throwing diagnostics-channel subscriber would, the process) down with it.
 */
export class FactHub implements FactSink {
  readonly #listeners = new Set<FactListener>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Adds a listener; the function returned removes it. */
  listen(listener: FactListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish<K extends keyof SessionFacts>(name: K, fact: SessionFacts[K]): void {
    for (const listener of this.#listeners) {
      const handle = listener[name] as ((fact: SessionFacts[K]) => void) | undefined;
      if (!handle) continue;
      try {
        handle(fact);
      } catch (err) {
        // Without the fact: it may hold personal data.
        this.#log.error({ err: { message: (err as Error).message }, fact: name }, 'a session fact listener failed');
      }
    }
  }
}
