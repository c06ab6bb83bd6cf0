import { bytesPerMs, type AudioFormat } from '../audio/format.ts';

// The input audio buffer (§3.2–3.4). Two clocks: the buffer's own content (what a commit takes,
// and what the 100 ms commit minimum measures) and the session's cumulative appended-audio
// timeline, on which VAD reports `audio_start_ms` / `audio_end_ms` (§6).

export interface TakenAudio {
  audio: Buffer;
  /** Timeline positions of the taken audio. */
  startMs: number;
  endMs: number;
}

export class InputAudioBuffer {
  #format: AudioFormat;
  #chunks: Buffer[] = [];
  #bytes = 0;
  /** Timeline position of the first buffered byte. */
  #startMs = 0;
  #timelineMs = 0;

  constructor(format: AudioFormat) {
    this.#format = format;
  }

  get format(): AudioFormat {
    return this.#format;
  }

  /** Cumulative ms appended since the session started. */
  get timelineMs(): number {
    return this.#timelineMs;
  }

  /** Ms of audio in the buffer, i.e. appended since the last commit or clear. */
  get bufferedMs(): number {
    return this.#bytes / bytesPerMs(this.#format);
  }

  append(bytes: Buffer): void {
    if (bytes.byteLength === 0) return;
    this.#chunks.push(bytes);
    this.#bytes += bytes.byteLength;
    this.#timelineMs += bytes.byteLength / bytesPerMs(this.#format);
  }

  /** Takes the buffered audio up to timeline position `untilMs` (all of it when omitted). */
  take(untilMs?: number): TakenAudio {
    const all = this.#chunks.length === 1 ? this.#chunks[0] : Buffer.concat(this.#chunks, this.#bytes);
    const bpm = bytesPerMs(this.#format);
    const sampleBytes = bpm === 48 ? 2 : 1;
    let cut = all.byteLength;
    if (untilMs !== undefined) {
      const wanted = Math.round((untilMs - this.#startMs) * bpm);
      cut = Math.max(0, Math.min(all.byteLength, wanted - (wanted % sampleBytes)));
    }
    const taken: TakenAudio = { audio: Buffer.from(all.subarray(0, cut)), startMs: this.#startMs, endMs: this.#startMs + cut / bpm };
    const rest = all.subarray(cut);
    this.#chunks = rest.byteLength > 0 ? [Buffer.from(rest)] : [];
    this.#bytes = rest.byteLength;
    this.#startMs = taken.endMs;
    return taken;
  }

  clear(): void {
    this.#chunks = [];
    this.#bytes = 0;
    this.#startMs = this.#timelineMs;
  }

  /** A new input format empties the buffer: its bytes would not decode in the new one. */
  setFormat(format: AudioFormat): void {
    if (format.type === this.#format.type) return;
    this.#format = format;
    this.clear();
  }
}
