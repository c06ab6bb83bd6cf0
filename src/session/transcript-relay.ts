import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import type { EdgeTransport } from '../edges/edge.ts';
import type { FactSink } from '../observability/session-facts.ts';

/** A caller's turn whose transcription failed with nothing made out. */
export const NOT_TRANSCRIBED = '[not transcribed]';

/**
 * Turns the backend's transcript events into the client's `transcript` events: partial lines grow
 * with each delta (same item_id) until a final line replaces them.  Final lines are also reported
 * as facts (call records).
 */
export class TranscriptRelay {
  readonly #edge: EdgeTransport;
  readonly #sessionId: string;
  readonly #facts: FactSink;
  /** Each line still in progress, by item id. */
  readonly #partial = new Map<string, { role: 'user' | 'assistant'; text: string }>();

  constructor(edge: EdgeTransport, sessionId: string, facts: FactSink) {
    this.#edge = edge;
    this.#sessionId = sessionId;
    this.#facts = facts;
  }

  handle(event: RealtimeServerEvent): void {
    switch (event.type) {
      case 'response.output_audio_transcript.delta':
      case 'response.output_text.delta':
        return this.#grow('assistant', event.item_id, event.delta);
      case 'response.output_audio_transcript.done':
        return this.#finish('assistant', event.item_id, event.transcript);
      case 'response.output_text.done':
        return this.#finish('assistant', event.item_id, event.text);
      case 'conversation.item.input_audio_transcription.delta':
        return this.#grow('user', event.item_id, event.delta ?? '');
      case 'conversation.item.input_audio_transcription.completed':
        return this.#finish('user', event.item_id, event.transcript);
      case 'conversation.item.input_audio_transcription.failed':
        // The caller spoke but the words were not made out: the line ends with what was, or says so.
        return this.#finish('user', event.item_id, this.#partial.get(event.item_id)?.text || NOT_TRANSCRIBED);
      case 'conversation.item.added': {
        // Typed input has no transcription events: its text is the transcript.
        const item = event.item;
        if (item.type !== 'message' || item.role !== 'user' || !item.id) return;
        const text = item.content?.map((part) => (part.type === 'input_text' ? part.text ?? '' : '')).join('');
        if (text) this.#finish('user', item.id, text);
        return;
      }
      default:
    }
  }

  /**
   * The backend connection dropped: lines still in progress get no more text (the new connection
   * knows them only as history), so what they said so far is their final text.
   */
  connectionLost(): void {
    for (const [itemId, { role, text }] of [...this.#partial]) this.#finish(role, itemId, text);
  }

  #grow(role: 'user' | 'assistant', itemId: string, delta: string): void {
    const text = (this.#partial.get(itemId)?.text ?? '') + delta;
    this.#partial.set(itemId, { role, text });
    this.#edge.send({ type: 'transcript', role, text, final: false, item_id: itemId });
  }

  #finish(role: 'user' | 'assistant', itemId: string, text: string): void {
    this.#partial.delete(itemId);
    this.#edge.send({ type: 'transcript', role, text, final: true, item_id: itemId });
    this.#facts.publish('transcriptFinal', { sessionId: this.#sessionId, role, itemId, text });
  }
}
