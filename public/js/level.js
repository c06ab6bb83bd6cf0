// Audio levels measured in the page: an AnalyserNode over a MediaStream, read on demand.

let context;

/** One AudioContext for the page, created or resumed from a user gesture (the Connect click). */
export function audioContext() {
  context ??= new AudioContext();
  if (context.state === 'suspended') context.resume().catch(() => {});
  return context;
}

export class LevelMeter {
  #source;
  #analyser;
  #buffer;

  /** The stream is only analysed, not played: its <audio> element (if any) does the playing. */
  constructor(stream) {
    const ctx = audioContext();
    this.#source = ctx.createMediaStreamSource(stream);
    this.#analyser = ctx.createAnalyser();
    this.#analyser.fftSize = 1024;
    this.#buffer = new Float32Array(this.#analyser.fftSize);
    this.#source.connect(this.#analyser);
  }

  /** RMS of the last ~21 ms, 0..1 of full scale. */
  rms() {
    this.#analyser.getFloatTimeDomainData(this.#buffer);
    let sum = 0;
    for (const sample of this.#buffer) sum += sample * sample;
    return Math.sqrt(sum / this.#buffer.length);
  }

  dispose() {
    this.#source.disconnect();
  }
}

/** A meter position for an RMS: -60 dBFS and below is empty, 0 dBFS is full. */
export function meterLevel(rms) {
  if (rms <= 0) return 0;
  return Math.min(1, Math.max(0, (20 * Math.log10(rms) + 60) / 60));
}
