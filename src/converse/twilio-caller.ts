import { randomInt } from 'node:crypto';
import { silenceBytes } from '../audio/codec.ts';
import { PCMU } from '../audio/format.ts';
import { pcm16ToUlaw } from '../audio/g711.ts';
import { resample } from '../audio/resampler.ts';
import type { FactHub } from '../observability/session-facts.ts';
import { Caller, SPEECH_RATE_HZ, type CallEvent } from './caller.ts';
import { FRAME_BYTES, FRAME_MS, TwilioPhone, type GatewayMessage } from './twilio-phone.ts';

// The caller of a conversation test through the phone edge: a call placed as Twilio places it
// (signed webhook, Media Streams), the line carrying 20 ms of 8 kHz u-law every 20 ms, silence
// between the caller's words, as a phone does. The agent's audio is played on the phone's clock
// and acknowledged with marks. A phone line carries no events, so what the checks read (states,
// tools, transcripts, the end) comes from the gateway's session facts, for the one session whose
// caller number is this call's.

const LINE_RATE_HZ = 8_000;
const SILENCE = silenceBytes(PCMU, FRAME_MS);
/** A late timer sends the frames it missed, but never more than this at once (a phone's jitter). */
const MAX_CATCH_UP_FRAMES = 5;
/** After the session ended, how long until the line closes: the gateway lets the caller hear the last words first (at most 5 s). */
const END_FACT_WAIT_MS = 6_000;

export interface TwilioCallerOptions {
  /** The gateway's HTTP origin (where the test reaches it). */
  httpUrl: string;
  /** The gateway's PUBLIC_URL: what Twilio signs. */
  publicUrl: string;
  authToken: string;
  /** The gateway's session facts. */
  facts: FactHub;
}

export class TwilioCaller extends Caller {
  readonly #from = `+1555${String(randomInt(10_000_000)).padStart(7, '0')}`;
  readonly #unlisten: () => void;
  #phone!: TwilioPhone;
  #sessionId: string | undefined;
  #lastActivity = performance.now();
  #line: NodeJS.Timeout | undefined;
  #lineStart = 0;
  #frameSlots = 0;
  /** The caller's words not yet on the line; who waits for them to be, and when the first went. */
  #speech: { frames: Uint8Array[]; firstAt?: number; sent: (firstAt: number) => void } | undefined;
  #closing: Promise<void> | undefined;
  /** What Twilio was told to do once the gateway had closed the stream. */
  #after: string | undefined;

  private constructor(facts: FactHub) {
    super();
    this.#unlisten = facts.listen({
      sessionStarted: (f) => {
        if (f.edge !== 'twilio' || f.caller?.from !== this.#from) return;
        this.#sessionId = f.sessionId;
        this.#fact({ type: 'session.ready', agent: f.agent, state: f.state });
      },
      // The call was refused, or its backend never answered: no session will be ready.
      sessionNeverLive: (f) => f.caller?.from === this.#from && this.#fact({ type: 'session.ended', reason: f.reason }),
      stateChanged: (f) => this.#mine(f.sessionId) && this.#fact({ type: 'state.changed', agent: f.agent, from: f.from, to: f.to }),
      toolEvent: (f) => this.#mine(f.sessionId) && this.#fact(f.event),
      transcriptFinal: (f) => this.#mine(f.sessionId) && this.#fact({ type: 'transcript', role: f.role, text: f.text, final: true }),
      sessionEnded: (f) => this.#mine(f.sessionId) && this.#fact({ type: 'session.ended', reason: f.reason }),
    });
  }

  static async dial(opts: TwilioCallerOptions): Promise<TwilioCaller> {
    const caller = new TwilioCaller(opts.facts);
    try {
      caller.#phone = await TwilioPhone.dial({ httpUrl: opts.httpUrl, publicUrl: opts.publicUrl, authToken: opts.authToken, from: caller.#from, keep: false });
    } catch (err) {
      caller.#unlisten();
      throw new Error(`the gateway refused the phone call: ${(err as Error).message}`);
    }
    caller.#phone.onActivity = (message) => caller.#onPhone(message);
    caller.#lineStart = performance.now();
    caller.#line = setInterval(() => caller.#tick(), FRAME_MS);
    return caller;
  }

  get closed(): boolean {
    return this.#phone.ws.readyState !== this.#phone.ws.OPEN;
  }

  /**
   * Whether the agent finished an answer since `since` (its final transcript: a phone line has no
   * audio.done), the phone has played all of its audio, and nothing happened for `quietMs`.
   */
  agentDone(since: number, quietMs: number): boolean {
    const answered = this.spokeSince(since) || this.events.some((e) => e.at > since && e.value.type === 'transcript' && e.value.role === 'assistant');
    const heard = !this.agentPlaying();
    return this.closed || (answered && heard && performance.now() - this.#lastActivity >= quietMs);
  }

  agentPlaying(): boolean {
    return this.#phone.playedMs < this.#phone.queuedMs;
  }

  override summary(): string {
    const { framesSent, playedMs, marksEchoed } = this.#phone.line;
    const after = this.#after ? `; after the stream, ${this.#after}` : '';
    return `phone line: ${framesSent} frames of u-law sent, ${Math.round(playedMs)} ms of agent audio played, ${marksEchoed} marks echoed${after}`;
  }

  /** The phone says what it has played itself, with marks. */
  reportPlayed(): void {}

  control(): void {
    throw new Error('a phone line carries no text: typed turns cannot go through the twilio edge');
  }

  async stream(samples: Int16Array): Promise<number> {
    const ulaw = pcm16ToUlaw(await resample(samples, SPEECH_RATE_HZ, LINE_RATE_HZ));
    const frames: Uint8Array[] = [];
    for (let i = 0; i < ulaw.length; i += FRAME_BYTES) {
      const frame = ulaw.subarray(i, i + FRAME_BYTES);
      // Twilio's frames are always whole: the last one is filled with silence.
      frames.push(frame.length === FRAME_BYTES ? frame : Buffer.concat([frame, SILENCE.subarray(frame.length)]));
    }
    if (this.closed || frames.length === 0) return performance.now();
    return new Promise<number>((sent) => {
      this.#speech?.sent(performance.now());
      this.#speech = { frames, sent };
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#hangUp();
    return this.#closing;
  }

  async #hangUp(): Promise<void> {
    this.#stopLine();
    const ended = () => this.events.some((e) => e.value.type === 'session.ended');
    if (!this.closed && !ended()) {
      // The caller hangs up: what follows is not the call's to show.
      this.#unlisten();
      this.#phone.hangUp();
      return;
    }
    // The gateway ended the call: its end is published as the line closes (either may come first).
    await this.until(() => ended() && this.closed, END_FACT_WAIT_MS, 'no session end').catch(() => undefined);
    this.#unlisten();
    // As Twilio does then: it asks the gateway what the caller hears next.
    this.#after = await this.#phone.afterStream().then(
      (twiml) => (twiml.includes('<Dial>') ? 'a transfer to a person' : twiml.includes('<Say>') ? 'the apology, then a hang-up' : 'a hang-up'),
      (err: Error) => `no answer (${err.message})`,
    );
  }

  /**
   * Every 20 ms a frame goes down the line: the caller's words, or silence. A timer late by more
   * than a few frames drops the silence it missed; the words are only delayed.
   */
  #tick(): void {
    if (this.closed) return this.#stopLine();
    const due = Math.floor((performance.now() - this.#lineStart) / FRAME_MS) - this.#frameSlots;
    this.#frameSlots += due;
    for (let n = 0; n < Math.min(due, MAX_CATCH_UP_FRAMES); n++) {
      const speech = this.#speech;
      const frame = speech?.frames.shift();
      this.#phone.sendFrame(frame ?? SILENCE);
      if (!speech) continue;
      speech.firstAt ??= performance.now();
      if (speech.frames.length === 0) {
        this.#speech = undefined;
        speech.sent(speech.firstAt);
      }
    }
  }

  #stopLine(): void {
    clearInterval(this.#line);
    this.#speech?.sent(this.#speech.firstAt ?? performance.now());
    this.#speech = undefined;
  }

  #onPhone(message: GatewayMessage | undefined): void {
    const now = performance.now();
    this.#lastActivity = now;
    if (message?.event === 'media') this.keepAudio(now);
    if (this.closed) this.#stopLine();
    this.wake();
  }

  #mine(sessionId: string): boolean {
    return sessionId === this.#sessionId;
  }

  #fact(event: CallEvent): void {
    this.#lastActivity = performance.now();
    this.keepEvent(event);
    this.wake();
  }
}
