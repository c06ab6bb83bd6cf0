import type { Logger } from 'pino';
import type { RecordStore, RecordWrite } from './types.ts';

export interface WriteQueueOptions {
  store: RecordStore;
  log: Logger;
  /** Writes held at most; past it the oldest are dropped (counted, logged). */
  maxWrites?: number;
  /** How often queued writes go to the store: what a killed gateway can lose at most, plus one write. */
  flushIntervalMs?: number;
  /** Writes per transaction at most. */
  maxBatch?: number;
  /** Retry pauses while the database is down: from the first, doubling, to the last. */
  retryMs?: { first: number; max: number };
}

export interface WriteQueueStats {
  queued: number;
  written: number;
  dropped: number;
  /** Batches the store refused as bad (not as unreachable): dropped, with an error logged. */
  rejectedBatches: number;
}

/** What one session of an hour writes is a few thousand rows; this holds minutes of a busy gateway. */
const DEFAULT_MAX_WRITES = 100_000;
const DROP_LOG_EVERY_MS = 10_000;

/**
 * Call-record writes between the sessions and the database. push() is all a session's facts cost
 * on the event loop: an array append. A timer takes what is queued to the store in one transaction
 * every `flushIntervalMs`, one batch at a time. A database that is down is logged once and retried
 * with back-off while writes keep queueing; past `maxWrites` the oldest are dropped and counted
 * (logged at most every 10 s), so memory stays bounded and the newest part of each call survives.
 * Migrations run before the first write, and again after a failure, so a database that was down
 * at start is set up once it is back.
 */
export class WriteQueue {
  readonly #store: RecordStore;
  readonly #log: Logger;
  readonly #max: number;
  readonly #maxBatch: number;
  readonly #retry: { first: number; max: number };
  readonly #timer: NodeJS.Timeout;
  #items: RecordWrite[] = [];
  #head = 0;
  #flushing: Promise<void> | undefined;
  #migrated = false;
  #down = false;
  #retryAtMs = 0;
  #retryDelayMs: number;
  #closed = false;
  #lastDropLogMs = -Infinity;
  #droppedSinceLog = 0;
  readonly #stats: WriteQueueStats = { queued: 0, written: 0, dropped: 0, rejectedBatches: 0 };

  constructor(opts: WriteQueueOptions) {
    this.#store = opts.store;
    this.#log = opts.log;
    this.#max = opts.maxWrites ?? DEFAULT_MAX_WRITES;
    this.#maxBatch = opts.maxBatch ?? 5_000;
    this.#retry = opts.retryMs ?? { first: 250, max: 5_000 };
    this.#retryDelayMs = this.#retry.first;
    this.#timer = setInterval(() => void this.flush(), opts.flushIntervalMs ?? 250);
    this.#timer.unref();
  }

  get stats(): WriteQueueStats {
    return { ...this.#stats, queued: this.#size };
  }

  get #size(): number {
    return this.#items.length - this.#head;
  }

  push(write: RecordWrite): void {
    if (this.#closed) return;
    if (this.#size >= this.#max) this.#drop(1);
    this.#items.push(write);
  }

  /** Writes what is queued now (unless the database is down and its retry is not due); one flush at a time. */
  flush(): Promise<void> {
    this.#flushing ??= this.#drain().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  /** Stops the timer and writes what is left, giving up after `deadlineMs` (a database still down). */
  async close(deadlineMs = 5_000): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    const deadline = performance.now() + deadlineMs;
    this.#retryAtMs = 0;
    while (this.#size > 0 && performance.now() < deadline) {
      await this.flush();
      if (this.#down) await new Promise((resolve) => setTimeout(resolve, Math.min(this.#retryDelayMs, Math.max(0, deadline - performance.now()))));
      this.#retryAtMs = 0;
    }
    if (this.#size > 0) this.#log.error({ lost: this.#size }, 'call records: the database did not take the last writes before shutdown');
  }

  async #drain(): Promise<void> {
    while (this.#size > 0 && performance.now() >= this.#retryAtMs) {
      const batch = this.#take();
      try {
        if (!this.#migrated) {
          await this.#store.migrate();
          this.#migrated = true;
        }
        await this.#store.write(batch);
        this.#stats.written += batch.length;
        if (this.#down) this.#log.info({ queued: this.#size }, 'call records: the database is back; writing again');
        this.#down = false;
        this.#retryDelayMs = this.#retry.first;
      } catch (err) {
        if (this.#store.isTransient(err) || !this.#migrated) {
          this.#putBack(batch);
          if (!this.#down) this.#log.warn({ err, queued: this.#size }, 'call records: the database is unavailable; writes are queued and retried');
          this.#down = true;
          this.#migrated = false;
          this.#retryAtMs = performance.now() + this.#retryDelayMs;
          this.#retryDelayMs = Math.min(this.#retry.max, this.#retryDelayMs * 2);
          return;
        }
        // A batch the database refuses is refused again on retry: drop it, keep the queue moving.
        this.#stats.rejectedBatches++;
        this.#log.error({ err, writes: batch.length }, 'call records: the database refused a batch; it is dropped');
      }
    }
  }

  #take(): RecordWrite[] {
    const end = Math.min(this.#items.length, this.#head + this.#maxBatch);
    const batch = this.#items.slice(this.#head, end);
    this.#head = end;
    if (this.#head > 4_096 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return batch;
  }

  /** A failed batch goes back in front; what no longer fits is the oldest, and is dropped. */
  #putBack(batch: RecordWrite[]): void {
    const room = Math.max(0, this.#max - this.#size);
    const kept = batch.length > room ? batch.slice(batch.length - room) : batch;
    if (kept.length < batch.length) this.#countDrops(batch.length - kept.length);
    this.#items = [...kept, ...this.#items.slice(this.#head)];
    this.#head = 0;
  }

  #drop(n: number): void {
    this.#head += n;
    this.#countDrops(n);
  }

  #countDrops(n: number): void {
    this.#stats.dropped += n;
    this.#droppedSinceLog += n;
    const now = performance.now();
    if (now - this.#lastDropLogMs >= DROP_LOG_EVERY_MS) {
      this.#log.warn({ dropped: this.#droppedSinceLog, dropped_total: this.#stats.dropped, max_writes: this.#max },
        'call records: the write queue is full; the oldest writes are dropped');
      this.#lastDropLogMs = now;
      this.#droppedSinceLog = 0;
    }
  }
}
