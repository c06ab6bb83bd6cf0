import type { Worker } from 'node:worker_threads';
import { startTsWorker } from '../../process/ts-worker.ts';
import type { SynthReply, SynthRequest } from './worker-messages.ts';

export interface SynthWorkerPoolOptions {
  size: number;
  /** Seam for tests (e.g. a worker that crashes); defaults to synth-worker.ts. */
  createWorker?: () => Worker;
}

interface Job {
  request: Omit<SynthRequest, 'id'>;
  resolve(samples: Int16Array): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  job?: Job;
  id: number;
}

/**
 * A fixed-size pool of synthesis workers with one FIFO queue. Workers start on demand, are
 * unref'd while idle (an idle pool never keeps the process alive), and a worker that dies
 * fails its job and is replaced by the next job that needs one.
 */
export class SynthWorkerPool {
  readonly #size: number;
  readonly #createWorker: () => Worker;
  readonly #slots = new Set<Slot>();
  readonly #idle: Slot[] = [];
  readonly #queue: Job[] = [];
  #nextId = 1;
  #closed = false;

  constructor({ size, createWorker = startSynthWorker }: SynthWorkerPoolOptions) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`worker count must be a positive integer, got ${size}`);
    this.#size = size;
    this.#createWorker = createWorker;
  }

  run(request: Omit<SynthRequest, 'id'>): Promise<Int16Array> {
    if (this.#closed) return Promise.reject(new Error('speech synthesizer is closed'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ request, resolve, reject });
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const closed = new Error('speech synthesizer is closed');
    for (const job of this.#queue.splice(0)) job.reject(closed);
    const slots = [...this.#slots];
    this.#slots.clear();
    this.#idle.length = 0;
    for (const slot of slots) slot.job?.reject(closed);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      const slot = this.#idle.pop() ?? (this.#slots.size < this.#size ? this.#spawn() : undefined);
      if (!slot) return;
      const job = this.#queue.shift()!;
      slot.job = job;
      slot.id = this.#nextId++;
      // Busy workers hold the process open: a caller may be awaiting nothing else.
      slot.worker.ref();
      slot.worker.postMessage({ ...job.request, id: slot.id } satisfies SynthRequest);
    }
  }

  #spawn(): Slot {
    const slot: Slot = { worker: this.#createWorker(), id: 0 };
    this.#slots.add(slot);
    slot.worker.unref();
    slot.worker.on('message', (reply: SynthReply) => this.#settle(slot, reply));
    slot.worker.on('error', (err: Error) => this.#retire(slot, `speech synthesis worker crashed: ${err.message}`));
    slot.worker.on('exit', (code: number) => this.#retire(slot, `speech synthesis worker exited with code ${code}`));
    return slot;
  }

  #settle(slot: Slot, reply: SynthReply): void {
    const job = slot.job;
    if (!job || reply.id !== slot.id) return;
    slot.job = undefined;
    slot.worker.unref();
    this.#idle.push(slot);
    if ('error' in reply) job.reject(new Error(`speech synthesis failed: ${reply.error}`));
    else job.resolve(reply.samples);
    this.#dispatch();
  }

  /** A dead worker fails its job; the next dispatch starts a replacement. */
  #retire(slot: Slot, reason: string): void {
    if (!this.#slots.delete(slot)) return;
    const idleAt = this.#idle.indexOf(slot);
    if (idleAt >= 0) this.#idle.splice(idleAt, 1);
    const job = slot.job;
    slot.job = undefined;
    void slot.worker.terminate();
    job?.reject(new Error(reason));
    if (!this.#closed) this.#dispatch();
  }
}

function startSynthWorker(): Worker {
  return startTsWorker(new URL('./synth-worker.ts', import.meta.url));
}
