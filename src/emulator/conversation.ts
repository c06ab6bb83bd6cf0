import { newConversationId } from './ids.ts';
import type { Item } from './protocol/items.ts';

// The default conversation of a session: ordered items, each linked to its predecessor for the
// `previous_item_id` of every item event (§4.2), plus how much audio each assistant item has
// delivered, which bounds `conversation.item.truncate` (§3.7).

/** Audio kept for `conversation.item.retrieve`; past this the oldest items lose their bytes. */
const MAX_STORED_AUDIO_BYTES = 64 * 1024 * 1024;

export class Conversation {
  readonly id = newConversationId();
  readonly #items: Item[] = [];
  /** Audio sent per assistant item: ms and bytes (their ratio is the item's format). */
  readonly #delivered = new Map<string, { ms: number; bytes: number }>();

  get items(): readonly Item[] {
    return this.#items;
  }

  lastId(): string | null {
    return this.#items.at(-1)?.id ?? null;
  }

  find(id: string): Item | undefined {
    return this.#items.find((item) => item.id === id);
  }

  /** The id of the item just before `id`, or null (first, or no longer there). */
  previousId(id: string): string | null {
    const index = this.#indexOf(id);
    return index > 0 ? this.#items[index - 1].id : null;
  }

  /**
   * Inserts `item` after `previousId` (`null` = at the beginning, `undefined` = at the end) and
   * returns the id of the item now before it, or null when it is first.
   */
  insert(item: Item, previousId?: string | null): string | null {
    const index = previousId === undefined ? this.#items.length : previousId === null ? 0 : this.#indexOf(previousId) + 1;
    this.#items.splice(index, 0, item);
    this.#trimAudio();
    return index === 0 ? null : this.#items[index - 1].id;
  }

  delete(id: string): boolean {
    const index = this.#indexOf(id);
    if (index < 0) return false;
    this.#items.splice(index, 1);
    this.#delivered.delete(id);
    return true;
  }

  hasFunctionCall(callId: string): boolean {
    return this.#items.some((item) => item.type === 'function_call' && item.call_id === callId);
  }

  /** "Cannot update a conversation's voice if assistant audio is present" (§4.8). */
  hasAssistantAudio(): boolean {
    return this.#items.some((item) => item.type === 'message' && item.role === 'assistant' && item.content.some((p) => p.type === 'output_audio'));
  }

  addDeliveredAudio(itemId: string, ms: number, bytes: number): void {
    const sent = this.#delivered.get(itemId) ?? { ms: 0, bytes: 0 };
    this.#delivered.set(itemId, { ms: sent.ms + ms, bytes: sent.bytes + bytes });
  }

  deliveredMs(itemId: string): number {
    return this.#delivered.get(itemId)?.ms ?? 0;
  }

  /**
   * Cuts an assistant item's audio to `endMs` and drops its transcript, so no unheard text stays
   * in context (§3.7). The caller has checked that `endMs` is within the delivered audio.
   */
  truncateAudio(itemId: string, contentIndex: number, endMs: number): void {
    const item = this.find(itemId);
    const sent = this.#delivered.get(itemId);
    const part = item?.type === 'message' ? item.content[contentIndex] : undefined;
    if (!part || part.type !== 'output_audio' || !sent) return;
    const bytesPerMs = sent.ms > 0 ? sent.bytes / sent.ms : 0;
    const bytes = Math.round(endMs * bytesPerMs);
    part.transcript = '';
    if (part.audio) part.audio = part.audio.subarray(0, bytes);
    this.#delivered.set(itemId, { ms: endMs, bytes });
  }

  /** Call after an item's audio bytes grew. */
  audioChanged(): void {
    this.#trimAudio();
  }

  #indexOf(id: string): number {
    return this.#items.findIndex((item) => item.id === id);
  }

  #trimAudio(): void {
    let total = 0;
    for (let i = this.#items.length - 1; i >= 0; i--) {
      const item = this.#items[i];
      if (item.type !== 'message') continue;
      for (const part of item.content) {
        if ((part.type !== 'input_audio' && part.type !== 'output_audio') || !part.audio) continue;
        total += part.audio.byteLength;
        if (total > MAX_STORED_AUDIO_BYTES) part.audio = null;
      }
    }
  }
}
