import { bytesPerMs, sampleRateOf } from '../../audio/format.ts';
import { encodeAudio, silenceBytes } from '../../audio/codec.ts';
import { resample } from '../../audio/resampler.ts';
import type { SessionContext } from '../context.ts';
import { appendBytes } from '../handlers/input-audio.ts';
import type { ServerEvent } from '../protocol/server-events.ts';
import { SYNTH_RATE_HZ } from '../speech/index.ts';
import { sessionInput } from '../responder/session-view.ts';
import type { AttachedSession, SipCall } from './calls.ts';

// The SIP leg of an emulated call, as the sideband session sees it. The agent's audio goes to the
// caller, not to the socket: the service plays it and says so with `output_audio_buffer.started`,
// `.stopped` (once drained) and `.cleared` (barge-in, or a client `output_audio_buffer.clear`)
// (§1.3, §4.5). The caller is simulated from the conversation script: once it is the caller's
// turn and the agent has been heard, the caller speaks the script's line for that moment, as
// synthesized speech fed into the session's own input pipeline (VAD, commit, transcription, response).

/** How often the caller looks whether it is its turn. */
const TICK_MS = 100;
/** The agent must have been quiet this long before the caller speaks (a tool result comes first). */
const QUIET_MS = 400;
/** Around each caller line: a breath before, and enough silence after for any VAD to end the turn. */
const LEAD_SILENCE_MS = 300;
const TRAIL_SILENCE_MS = 1_200;
/** Caller audio goes in as frames of this length, as an RTP stream would deliver it. */
const FRAME_MS = 20;

export class CallLeg {
  readonly #ctx: SessionContext;
  readonly #call: SipCall;
  readonly #session: AttachedSession;
  readonly #tick: NodeJS.Timeout;
  /** The response whose audio the buffer plays last, and when (performance clock) it has all played. */
  #playing: { responseId: string; endsAt: number } | undefined;
  #stopTimer: NodeJS.Timeout | undefined;
  #quietSince: number | undefined;
  #spokenTurn = -1;
  #speaking = false;

  constructor(ctx: SessionContext, call: SipCall, session: AttachedSession) {
    this.#ctx = ctx;
    this.#call = call;
    this.#session = session;
    this.#tick = setInterval(() => this.#callerTurn(), TICK_MS);
    this.#tick.unref();
  }

  /** Whether an outgoing event belongs to the SIP leg instead of the socket (agent audio). */
  swallows(event: ServerEvent): boolean {
    if (event.type !== 'response.output_audio.delta') return false;
    const ms = Buffer.byteLength(event.delta ?? '', 'base64') / bytesPerMs(this.#ctx.session.audio.output.format);
    const now = performance.now();
    const responseId = event.response_id ?? '';
    let playing = this.#playing;
    if (playing?.responseId !== responseId) {
      // Audio of a new response queues behind whatever is still playing.
      playing = { responseId, endsAt: Math.max(now, playing?.endsAt ?? now) };
      this.#playing = playing;
      this.#ctx.send({ type: 'output_audio_buffer.started', response_id: responseId });
    }
    playing.endsAt += ms / this.#call.playbackSpeed;
    return true;
  }

  /** Follow-ups of an event the socket has just carried. */
  sent(event: ServerEvent): void {
    if (event.type === 'response.done' && this.#playing && this.#playing.responseId === event.response?.id) {
      this.#scheduleStop();
    } else if (event.type === 'input_audio_buffer.speech_started') {
      this.clear();
    }
  }

  /** Cuts off what the caller was hearing (barge-in, or the client's `output_audio_buffer.clear`). */
  clear(): void {
    const playing = this.#playing;
    if (!playing || performance.now() >= playing.endsAt) return;
    this.#playing = undefined;
    clearTimeout(this.#stopTimer);
    this.#ctx.send({ type: 'output_audio_buffer.cleared', response_id: playing.responseId });
  }

  dispose(): void {
    clearInterval(this.#tick);
    clearTimeout(this.#stopTimer);
  }

  #scheduleStop(): void {
    clearTimeout(this.#stopTimer);
    const playing = this.#playing;
    if (!playing) return;
    this.#stopTimer = setTimeout(() => {
      if (this.#playing !== playing) return;
      this.#playing = undefined;
      this.#ctx.send({ type: 'output_audio_buffer.stopped', response_id: playing.responseId });
    }, Math.max(0, playing.endsAt - performance.now()));
    this.#stopTimer.unref();
  }

  #callerTurn(): void {
    const ctx = this.#ctx;
    if (this.#speaking || !ctx.isOpen || !this.#call.isAttached(this.#session)) return;
    const line = ctx.responder.nextUserLine(sessionInput(ctx));
    const quiet = line !== undefined && line.turn !== this.#spokenTurn && !ctx.responses.active && this.#playing === undefined;
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
    const ctx = this.#ctx;
    const format = ctx.buffer.format;
    try {
      const pcm = await ctx.synthesizer.synthesize(text, {});
      const rate = sampleRateOf(format);
      const samples = rate === SYNTH_RATE_HZ ? pcm : await resample(pcm, SYNTH_RATE_HZ, rate);
      const audio = Buffer.concat([silenceBytes(format, LEAD_SILENCE_MS), encodeAudio(format, samples), silenceBytes(format, TRAIL_SILENCE_MS)]);
      const frame = Math.round(FRAME_MS * bytesPerMs(format));
      for (let at = 0; at < audio.byteLength; at += frame) {
        const piece = audio.subarray(at, Math.min(at + frame, audio.byteLength));
        ctx.enqueue(() => appendBytes(ctx, piece));
      }
      ctx.logger.debug({ turn: this.#spokenTurn }, 'simulated SIP caller spoke');
    } catch (err) {
      ctx.logger.error({ err }, 'the simulated SIP caller could not speak');
    }
  }
}
