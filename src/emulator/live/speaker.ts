import type { AudioFormat as LiveAudioFormat, ServerEvent } from 'openai/resources/live/live';
import { resample } from '../../audio/resampler.ts';
import { words } from '../response/speech-stream.ts';
import { splitSentences, SYNTH_RATE_HZ, type SpeechSynthesizer } from '../speech/index.ts';
import { bytesPerSample, encodeLive, rateOf } from './audio.ts';
import type { LiveChoices } from './options.ts';

// The emulated model's voice: real synthesized speech, sentence by sentence, streamed as
// `session.output_audio.delta` (no timestamps on the primary socket, §3.2) beside
// `session.output_transcript.delta` whose `start_ms`/`end_ms` place each word on the session
// timeline where its audio plays. Utterances queue; `stop()` silences the current one and drops
// the queue (the model yields, or a fixture interrupts it).

type Send = (event: DistributiveOmit<ServerEvent, 'event_id'>) => void;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface SpeakerDeps {
  synthesizer: SpeechSynthesizer;
  format: LiveAudioFormat;
  voice: string | undefined;
  choices: Pick<LiveChoices, 'outputPace' | 'outputChunkMs'>;
  /** A sideband's output deltas carry `start_ms`/`end_ms`; the primary socket's do not (§3.2). */
  timestamps?: boolean;
  /** Milliseconds since the session started. */
  now: () => number;
  send: Send;
  isOpen: () => boolean;
}

export class Speaker {
  readonly #deps: SpeakerDeps;
  #queue: Promise<void> = Promise.resolve();
  /** Bumped by stop(): utterances of an older generation stop at their next chunk. */
  #generation = 0;
  #speaking = 0;
  /** Where the audio sent so far ends on the session timeline (it may run ahead of the clock). */
  #timelineMs = 0;
  /** Whether any words were spoken yet: later utterances' transcripts start with a space, as one stream. */
  #spoken = false;

  constructor(deps: SpeakerDeps) {
    this.#deps = deps;
  }

  /** Whether an utterance is playing or queued. */
  get speaking(): boolean {
    return this.#speaking > 0;
  }

  /** Queues `text`; resolves when it has been spoken in full (true) or stopped (false). */
  say(text: string): Promise<boolean> {
    return this.#enqueue((generation) => this.#speak(text, generation));
  }

  /** Queues raw PCM16 24 kHz (a fixture); resolves as say() does. */
  play(pcm24k: Int16Array): Promise<boolean> {
    return this.#enqueue(async (generation) => {
      const samples = await resample(pcm24k, 24000, rateOf(this.#deps.format));
      return this.#stream(encodeLive(this.#deps.format, samples), [], generation);
    });
  }

  stop(): void {
    this.#generation++;
  }

  #enqueue(run: (generation: number) => Promise<boolean>): Promise<boolean> {
    const generation = this.#generation;
    this.#speaking++;
    const result = this.#queue.then(() => (generation === this.#generation ? run(generation) : false));
    this.#queue = result.then(() => undefined, () => undefined).finally(() => this.#speaking--);
    return result.catch(() => false);
  }

  async #speak(text: string, generation: number): Promise<boolean> {
    const sentences = splitSentences(text);
    // The next sentence is synthesized while this one streams.
    let next = sentences.length > 0 ? this.#render(sentences[0]) : undefined;
    for (let i = 0; i < sentences.length; i++) {
      const audio = await next!;
      next = i + 1 < sentences.length ? this.#render(sentences[i + 1]) : undefined;
      next?.catch(() => {});
      const tokens = words(sentences[i], i > 0 || this.#spoken);
      this.#spoken = true;
      if (!(await this.#stream(audio, tokens, generation))) return false;
    }
    return true;
  }

  async #render(sentence: string): Promise<Buffer> {
    const { synthesizer, format, voice } = this.#deps;
    const pcm = await synthesizer.synthesize(sentence, { voice });
    return encodeLive(format, await resample(pcm, SYNTH_RATE_HZ, rateOf(format)));
  }

  /** Streams encoded audio in chunks, the words spread over them; false once stopped. */
  async #stream(audio: Buffer, tokens: string[], generation: number): Promise<boolean> {
    const { format, choices, send, now, isOpen } = this.#deps;
    const sampleBytes = bytesPerSample(format);
    const bytesPerMs = (rateOf(format) * sampleBytes) / 1000;
    const raw = Math.max(sampleBytes, Math.round(choices.outputChunkMs * bytesPerMs));
    const chunkBytes = raw - (raw % sampleBytes);
    const count = Math.max(1, Math.ceil(audio.byteLength / chunkBytes));
    for (let i = 0; i < count; i++) {
      if (generation !== this.#generation || !isOpen()) return false;
      const piece = audio.subarray(i * chunkBytes, Math.min(audio.byteLength, (i + 1) * chunkBytes));
      const ms = piece.byteLength / bytesPerMs;
      const startMs = Math.max(this.#timelineMs, now());
      this.#timelineMs = startMs + ms;
      send({ type: 'session.output_audio.delta', delta: piece.toString('base64'), ...(this.#deps.timestamps ? { start_ms: Math.round(startMs), end_ms: Math.round(startMs + ms) } : {}) });
      const from = Math.ceil((i * tokens.length) / count);
      const to = Math.ceil(((i + 1) * tokens.length) / count);
      for (const word of tokens.slice(from, to)) {
        send({ type: 'session.output_transcript.delta', delta: word, start_ms: Math.round(startMs), end_ms: Math.round(startMs + ms) });
      }
      if (choices.outputPace > 0) await sleep(ms / choices.outputPace);
    }
    return true;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
