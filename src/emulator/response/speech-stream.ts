import { bytesPerMs, formatType, sampleRateOf, type AudioFormat } from '../../audio/format.ts';
import { encodeAudio } from '../../audio/codec.ts';
import { resample } from '../../audio/resampler.ts';
import { splitSentences, SYNTH_RATE_HZ, type SpeechSynthesizer } from '../speech/index.ts';

// A spoken message as the service streams it: real synthesized speech, sentence by sentence
// (the next sentence is synthesized while this one streams), encoded in the output format and
// cut into chunks, each with the words of the transcript that belong to it.

export interface SpeechChunk {
  /** Encoded audio in the output format. */
  audio: Buffer;
  durationMs: number;
  /** Transcript deltas for this chunk (leading spaces included), in order. */
  words: string[];
}

export interface SpeechStreamOptions {
  synthesizer: SpeechSynthesizer;
  format: AudioFormat;
  voice: string | undefined;
  speed: number;
  chunkMs: number;
}

export class SpeechStream {
  readonly #sentences: string[];
  readonly #opts: SpeechStreamOptions;
  readonly #pending: Array<Promise<Buffer> | undefined> = [];
  #sentence = 0;
  #queue: SpeechChunk[] = [];

  /** Starts synthesizing the first sentence at once, so it is ready by the first delta. */
  constructor(text: string, opts: SpeechStreamOptions) {
    this.#sentences = splitSentences(text);
    this.#opts = opts;
    this.#prefetch(0);
  }

  /** The next chunk, or null at the end. Rejects if synthesis fails. */
  async next(): Promise<SpeechChunk | null> {
    while (this.#queue.length === 0) {
      if (this.#sentence >= this.#sentences.length) return null;
      const index = this.#sentence++;
      this.#prefetch(index + 1);
      const audio = await this.#prefetch(index);
      this.#pending[index] = undefined;
      this.#queue = this.#chunk(audio, words(this.#sentences[index], index > 0));
    }
    return this.#queue.shift() ?? null;
  }

  #prefetch(index: number): Promise<Buffer> {
    if (index >= this.#sentences.length) return Promise.resolve(Buffer.alloc(0));
    let pending = this.#pending[index];
    if (!pending) {
      pending = this.#render(this.#sentences[index]);
      // A stream dropped mid-way (cancelled response) leaves this unawaited.
      pending.catch(() => {});
      this.#pending[index] = pending;
    }
    return pending;
  }

  async #render(sentence: string): Promise<Buffer> {
    const { synthesizer, format, voice, speed } = this.#opts;
    const pcm = await synthesizer.synthesize(sentence, { voice, speed });
    const rate = sampleRateOf(format);
    const samples = rate === SYNTH_RATE_HZ ? pcm : await resample(pcm, SYNTH_RATE_HZ, rate);
    return encodeAudio(format, samples);
  }

  #chunk(audio: Buffer, tokens: string[]): SpeechChunk[] {
    const bpm = bytesPerMs(this.#opts.format);
    const sampleBytes = formatType(this.#opts.format) === 'audio/pcm' ? 2 : 1;
    const raw = Math.max(sampleBytes, Math.round(this.#opts.chunkMs * bpm));
    const chunkBytes = raw - (raw % sampleBytes);
    const count = Math.max(1, Math.ceil(audio.byteLength / chunkBytes));
    const chunks: SpeechChunk[] = [];
    for (let i = 0; i < count; i++) {
      const piece = audio.subarray(i * chunkBytes, Math.min(audio.byteLength, (i + 1) * chunkBytes));
      // Spread the words evenly over the chunks, rounding up: the transcript leads its audio.
      const from = Math.ceil((i * tokens.length) / count);
      const to = Math.ceil(((i + 1) * tokens.length) / count);
      chunks.push({ audio: piece, durationMs: piece.byteLength / bpm, words: tokens.slice(from, to) });
    }
    return chunks;
  }
}

/** "Hello there." → ["Hello", " there."]; later sentences start with a space. */
export function words(sentence: string, leadingSpace: boolean): string[] {
  const tokens = sentence.split(/(?=\s)/).filter((t) => t.trim() !== '');
  if (leadingSpace && tokens.length > 0) tokens[0] = ` ${tokens[0].trimStart()}`;
  return tokens;
}
