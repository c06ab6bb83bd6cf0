import type { Logger } from 'pino';
import { bytesPerMs, sampleRateOf, type AudioFormat } from '../../audio/format.ts';
import { encodeAudio, silenceBytes } from '../../audio/codec.ts';
import { resample } from '../../audio/resampler.ts';
import { SYNTH_RATE_HZ, type SpeechSynthesizer } from '../speech/index.ts';

// The caller on the far end of an emulated SIP call, on either API: once it is the caller's turn
// (the script has a line for this moment) and the agent has been quiet a moment, it speaks that
// line as synthesized speech, in RTP-sized frames, into the session's own input (VAD, turns).

/** How often the caller looks whether it is its turn. */
const TICK_MS = 100;
/** The agent must have been quiet this long before the caller speaks (a tool result comes first). */
const QUIET_MS = 400;
/** Around each caller line: a breath before, and enough silence after for any VAD to end the turn. */
const LEAD_SILENCE_MS = 300;
const TRAIL_SILENCE_MS = 1_200;
/** Caller audio goes in as frames of this length, as an RTP stream would deliver it. */
const FRAME_MS = 20;

export interface SimulatedCallerDeps {
  /** The script's caller line for this moment, if any (`turn` keeps a line from being said twice). */
  nextLine: () => { turn: number; text: string } | undefined;
  /** Whether the agent is silent and not working (nothing playing, no response or delegation running). */
  agentQuiet: () => boolean;
  /** Whether the call still has this session's ear (open and attached). */
  listening: () => boolean;
  /** The session's input format when the caller speaks. */
  format: () => AudioFormat;
  synthesizer: SpeechSynthesizer;
  /** One frame of caller audio into the session, in `format`. */
  feed: (frame: Buffer) => void;
  logger: Logger;
}

export class SimulatedCaller {
  readonly #deps: SimulatedCallerDeps;
  readonly #tick: NodeJS.Timeout;
  #quietSince: number | undefined;
  #spokenTurn = -1;
  #speaking = false;

  constructor(deps: SimulatedCallerDeps) {
    this.#deps = deps;
    this.#tick = setInterval(() => this.#turn(), TICK_MS);
    this.#tick.unref();
  }

  dispose(): void {
    clearInterval(this.#tick);
  }

  #turn(): void {
    if (this.#speaking || !this.#deps.listening()) return;
    const line = this.#deps.nextLine();
    const quiet = line !== undefined && line.turn !== this.#spokenTurn && this.#deps.agentQuiet();
    if (!quiet) {
      this.#quietSince = undefined;
      return;
    }
    const now = performance.now();
    this.#quietSince ??= now;
    if (now - this.#quietSince < QUIET_MS) return;
    this.#spokenTurn = line.turn;
    this.#speaking = true;
    void this.#speak(line.text).finally(() => (this.#speaking = false));
  }

  async #speak(text: string): Promise<void> {
    const { synthesizer, feed, logger } = this.#deps;
    const format = this.#deps.format();
    try {
      const pcm = await synthesizer.synthesize(text, {});
      const rate = sampleRateOf(format);
      const samples = rate === SYNTH_RATE_HZ ? pcm : await resample(pcm, SYNTH_RATE_HZ, rate);
      const audio = Buffer.concat([silenceBytes(format, LEAD_SILENCE_MS), encodeAudio(format, samples), silenceBytes(format, TRAIL_SILENCE_MS)]);
      const frame = Math.round(FRAME_MS * bytesPerMs(format));
      for (let at = 0; at < audio.byteLength; at += frame) feed(audio.subarray(at, Math.min(at + frame, audio.byteLength)));
      logger.debug({ turn: this.#spokenTurn }, 'simulated SIP caller spoke');
    } catch (err) {
      logger.error({ err }, 'the simulated SIP caller could not speak');
    }
  }
}
