/**
 * Which agent audio the listener has heard, for exact truncation on barge-in.
 *
 * Offsets are on the edge's playback timeline: milliseconds of agent audio handed to the edge since
 * it started or was last cleared (`EdgeTransport.playedMs` counts on the same timeline).
 */
export interface PlayingItem {
  readonly responseId: string;
  readonly itemId: string;
  readonly contentIndex: number;
  /** Where this item's audio starts on the edge timeline. */
  readonly startMs: number;
  /** Milliseconds of this item's audio handed to the edge so far. */
  deliveredMs: number;
  /** The response has finished: no more audio will come for this item. */
  complete: boolean;
  /** Its audio is all sent (`response.output_audio.done`), though the response may go on (a tool call). */
  audioComplete?: boolean;
  /** The item was re-created as text on a new backend connection: it has no audio to truncate. */
  textOnly?: boolean;
}

export interface Truncation {
  itemId: string;
  contentIndex: number;
  audioEndMs: number;
}

/** How close to the end of what was sent counts as heard in full (whole-ms rounding). */
const HEARD_IN_FULL_MS = 1;

export class PlaybackTracker {
  #sentMs = 0;
  #current: PlayingItem | undefined;
  /** Responses cut off by a barge-in and not yet done: their late deltas must not reach the listener. */
  readonly #interrupted = new Set<string>();

  /** Records a chunk; returns false when it belongs to an interrupted response and must be dropped. */
  record(responseId: string, itemId: string, contentIndex: number, ms: number): boolean {
    if (this.#interrupted.has(responseId)) return false;
    if (this.#current?.itemId !== itemId || this.#current.contentIndex !== contentIndex) {
      this.#current = { responseId, itemId, contentIndex, startMs: this.#sentMs, deliveredMs: 0, complete: false };
    }
    this.#current.deliveredMs += ms;
    this.#sentMs += ms;
    return true;
  }

  /**
   * Whether the listener has agent audio still to hear: handed to the edge, not yet played. A
   * listener counting whole milliseconds may report up to 1 ms short of the end: that is the end.
   */
  audible(playedMs: number): boolean {
    return this.#current !== undefined && playedMs + HEARD_IN_FULL_MS < this.#sentMs;
  }

  /** Drops whatever audio a response still sends (it was interrupted before any reached the edge). */
  silence(responseId: string): void {
    this.#interrupted.add(responseId);
  }

  /**
   * The backend connection dropped: the item playing will get no more audio, and on the new
   * connection it is text. Returns where its audio stopped when it was still coming: the listener
   * hears that much of the turn and no more.
   */
  connectionLost(): Truncation | undefined {
    const item = this.#current;
    if (!item || item.textOnly) return undefined;
    this.#interrupted.delete(item.responseId);
    const cutShort = !item.complete && !item.audioComplete;
    item.complete = true;
    item.textOnly = true;
    return cutShort ? this.#truncation(item, item.deliveredMs) : undefined;
  }

  /**
   * Cuts playback at what the listener heard. Returns the truncation to send, or undefined when
   * nothing was playing or the finished item had been heard in full (its transcript stays whole).
   * The edge timeline restarts at 0, as the edge's does when it is cleared.
   */
  interrupt(playedMs: number): Truncation | undefined {
    const item = this.#current;
    this.#current = undefined;
    this.#sentMs = 0;
    if (!item || item.textOnly) return undefined;
    const heard = Math.min(Math.max(playedMs - item.startMs, 0), item.deliveredMs);
    // A finished response sends nothing more, and responseDone (which forgets ids) has passed.
    if (item.complete) return heard >= item.deliveredMs ? undefined : this.#truncation(item, heard);
    this.#interrupted.add(item.responseId);
    return this.#truncation(item, heard);
  }

  #truncation(item: PlayingItem, heard: number): Truncation {
    return { itemId: item.itemId, contentIndex: item.contentIndex, audioEndMs: Math.floor(heard) };
  }

  /** An item's audio is all sent: a drop after this cuts nothing short. */
  audioDone(itemId: string, contentIndex: number): void {
    if (this.#current?.itemId === itemId && this.#current.contentIndex === contentIndex) this.#current.audioComplete = true;
  }

  /**
   * A finished response sends no more deltas: forget it, and mark its item complete. Returns that
   * item when its audio was reaching the listener (so the edge can be told the turn's audio is all sent).
   */
  responseDone(responseId: string): PlayingItem | undefined {
    this.#interrupted.delete(responseId);
    if (this.#current?.responseId !== responseId) return undefined;
    this.#current.complete = true;
    return this.#current;
  }
}
