import { TranscriptGrouper } from 'openai/lib/live/transcript-grouper';
import type { ServerEvent } from 'openai/resources/live/live';
import type { EdgeTransport } from '../../edges/edge.ts';
import type { FactSink } from '../../observability/session-facts.ts';

/**
 * GPT-Live's transcript deltas as the client's `transcript` events: the SDK's TranscriptGrouper
 * groups them into turns by timing alone (Live has no item ids and no completed event); a
 * segment's updates are partial lines, its close the final one (also published, for records).
 */
export class LiveTranscripts {
  #grouper = new TranscriptGrouper();
  #closed = false;
  readonly #edge: EdgeTransport;
  readonly #sessionId: string;
  readonly #facts: FactSink;
  readonly #onAssistantTurnClosed: ((segmentId: string, startedAtMs: number) => void) | undefined;
  readonly #onFinal: ((role: 'user' | 'assistant', text: string) => void) | undefined;

  /** When each open segment was first seen (performance clock). */
  readonly #firstSeen = new Map<string, number>();

  /** `onAssistantTurnClosed` gets when the agent's turn began, so a caller can tell turns apart by time. */
  constructor(
    edge: EdgeTransport, sessionId: string, facts: FactSink,
    onAssistantTurnClosed?: (segmentId: string, startedAtMs: number) => void,
    onFinal?: (role: 'user' | 'assistant', text: string) => void,
  ) {
    this.#edge = edge;
    this.#sessionId = sessionId;
    this.#facts = facts;
    this.#onAssistantTurnClosed = onAssistantTurnClosed;
    this.#onFinal = onFinal;
    this.#listen(this.#grouper);
  }

  /**
   * Ends the open lines with what was said so far; later deltas start new ones, in a new grouper.
   * On a lost backend session (the next one's timeline starts from zero), and on a handoff (Live's
   * transcript does not say which agent a word is from, so a line must not run across the change).
   */
  breakLines(): void {
    if (this.#closed) return;
    const old = this.#grouper;
    this.#grouper = new TranscriptGrouper();
    this.#listen(this.#grouper);
    old.close();
  }

  #listen(grouper: TranscriptGrouper): void {
    grouper.on('segment.updated', (segment) => {
      if (!this.#firstSeen.has(segment.id)) this.#firstSeen.set(segment.id, performance.now());
      this.#edge.send({ type: 'transcript', role: segment.speaker, text: segment.text, final: false, item_id: segment.id });
    });
    grouper.on('segment.closed', ({ segment }) => {
      this.#edge.send({ type: 'transcript', role: segment.speaker, text: segment.text, final: true, item_id: segment.id });
      this.#facts.publish('transcriptFinal', { sessionId: this.#sessionId, role: segment.speaker, itemId: segment.id, text: segment.text });
      this.#onFinal?.(segment.speaker, segment.text);
      const startedAtMs = this.#firstSeen.get(segment.id) ?? performance.now();
      this.#firstSeen.delete(segment.id);
      if (segment.speaker === 'assistant') this.#onAssistantTurnClosed?.(segment.id, startedAtMs);
    });
  }

  push(event: ServerEvent): void {
    if (this.#closed) return;
    try {
      this.#grouper.push(event);
    } catch {
      // A malformed delta (bad times) costs that delta; the grouper says so by throwing.
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#grouper.close();
  }
}
