import { cleanText } from './text.ts';
import { espeakVoice, wordsPerMinute } from './voices.ts';
import { SynthWorkerPool } from './worker-pool.ts';

export interface SpeechSynthesizerOptions {
  /** Synthesis worker threads; default 1. */
  workers?: number;
  /** Synthesized texts kept (least recently used dropped first); default 256, 0 turns it off. */
  cacheEntries?: number;
}

export interface SynthesizeOptions {
  /** A Realtime voice name (alloy, ash, …); unknown names get the default voice. */
  voice?: string;
  /** Realtime speed, 0.25..1.5; default 1. */
  speed?: number;
}

/** Real speech from eSpeak-NG, synthesized off the main thread, as PCM16 mono 24 kHz. */
export class SpeechSynthesizer {
  readonly #pool: SynthWorkerPool;
  readonly #cacheEntries: number;
  // A Map iterates in insertion order: re-inserting on a hit makes its first key the LRU one.
  readonly #cache = new Map<string, Int16Array>();
  readonly #inFlight = new Map<string, Promise<Int16Array>>();

  static create(opts: SpeechSynthesizerOptions = {}): SpeechSynthesizer {
    return new SpeechSynthesizer(opts);
  }

  private constructor({ workers = 1, cacheEntries = 256 }: SpeechSynthesizerOptions) {
    this.#pool = new SynthWorkerPool({ size: workers });
    this.#cacheEntries = Math.max(0, cacheEntries);
  }

  /** Empty or whitespace text gives no samples. The result is the caller's own copy. */
  async synthesize(text: string, opts: SynthesizeOptions = {}): Promise<Int16Array> {
    const clean = cleanText(text);
    if (clean === '') return new Int16Array(0);
    const request = { text: clean, voice: espeakVoice(opts.voice), wordsPerMinute: wordsPerMinute(opts.speed) };
    const key = `${request.voice}|${request.wordsPerMinute}|${clean}`;
    const cached = this.#cache.get(key);
    if (cached) {
      this.#cache.delete(key);
      this.#cache.set(key, cached);
      return cached.slice();
    }
    let pending = this.#inFlight.get(key);
    if (!pending) {
      pending = this.#pool.run(request).finally(() => this.#inFlight.delete(key));
      pending.then((samples) => this.#remember(key, samples), () => {});
      this.#inFlight.set(key, pending);
    }
    return (await pending).slice();
  }

  /** Stops the workers; pending and later calls reject. */
  async close(): Promise<void> {
    this.#cache.clear();
    await this.#pool.close();
  }

  #remember(key: string, samples: Int16Array): void {
    if (this.#cacheEntries === 0) return;
    this.#cache.set(key, samples);
    if (this.#cache.size > this.#cacheEntries) this.#cache.delete(this.#cache.keys().next().value!);
  }
}
