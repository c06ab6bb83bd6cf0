import { bytesPerMs } from '../../audio/format.ts';
import type { SessionContext } from '../context.ts';
import { appendBytes } from '../handlers/input-audio.ts';
import type { ServerEvent } from '../protocol/server-events.ts';
import { sessionInput } from '../responder/session-view.ts';
import type { AttachedSession, SipCall } from './calls.ts';
import { SimulatedCaller } from './simulated-caller.ts';

// The SIP leg of an emulated call, as the sideband session sees it. The agent's audio goes to the
// caller, not to the socket: the service plays it and says so with `output_audio_buffer.started`,
// `.stopped` (once drained) and `.cleared` (barge-in, or a client `output_audio_buffer.clear`)
// (§1.3, §4.5). The caller (simulated-caller.ts) speaks the script's lines once the agent has
// been heard, into the session's own input pipeline (VAD, commit, transcription, response).

export class CallLeg {
  readonly #ctx: SessionContext;
  readonly #call: SipCall;
  readonly #session: AttachedSession;
  readonly #caller: SimulatedCaller;
  /** The response whose audio the buffer plays last, and when (performance clock) it has all played. */
  #playing: { responseId: string; endsAt: number } | undefined;
  #stopTimer: NodeJS.Timeout | undefined;

  constructor(ctx: SessionContext, call: SipCall, session: AttachedSession) {
    this.#ctx = ctx;
    this.#call = call;
    this.#session = session;
    this.#caller = new SimulatedCaller({
      nextLine: () => ctx.responder.nextUserLine(sessionInput(ctx)),
      agentQuiet: () => !ctx.responses.active && this.#playing === undefined,
      listening: () => ctx.isOpen && call.isAttached(session),
      format: () => ctx.buffer.format,
      synthesizer: ctx.synthesizer,
      feed: (frame) => ctx.enqueue(() => appendBytes(ctx, frame)),
      logger: ctx.logger,
    });
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
    this.#caller.dispose();
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
}
