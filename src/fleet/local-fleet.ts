import { randomBytes } from 'node:crypto';
import { SeenDeliveries } from '../edges/sip/seen-deliveries.ts';
import { ExpiringNotes } from './expiring-notes.ts';
import type { ControlReply, Fleet } from './fleet.ts';

/** A fleet of one: this process. Nothing is shared, nothing is forwarded, no replica is ever lost. */
export class LocalFleet implements Fleet {
  readonly kind = 'local' as const;
  readonly replicaId = `r_${randomBytes(6).toString('hex')}`;
  readonly #maxSessions: number;
  readonly #places = new Set<string>();
  readonly #seen = new SeenDeliveries();
  readonly #notes = new ExpiringNotes();

  constructor(maxSessions = Number.POSITIVE_INFINITY) {
    this.#maxSessions = maxSessions;
  }

  get full(): boolean {
    return this.#places.size >= this.#maxSessions;
  }

  async claimPlace(sessionId: string): Promise<boolean> {
    if (this.full) return false;
    this.#places.add(sessionId);
    return true;
  }

  releasePlace(sessionId: string): void {
    this.#places.delete(sessionId);
  }

  own(): void {}
  disown(): void {}

  async ownerOf(): Promise<string | undefined> {
    return undefined;
  }

  serve(): void {}

  async forward(): Promise<ControlReply | undefined> {
    return undefined;
  }

  /** Remembers the last keys by count, not by time: one process sees too few to need more. */
  async firstTime(key: string): Promise<boolean> {
    return this.#seen.firstTime(key);
  }

  note(key: string, value: string, ttlMs: number): void {
    this.#notes.set(key, value, ttlMs);
  }

  async readNote(key: string): Promise<string | undefined> {
    return this.#notes.get(key);
  }

  onLost(): void {}

  async close(): Promise<void> {}
}
