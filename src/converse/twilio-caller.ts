import { randomInt } from 'node:crypto';
import { pcm16ToUlaw } from '../audio/g711.ts';
import { resample } from '../audio/resampler.ts';
import type { FactHub } from '../observability/session-facts.ts';
import { Caller, type CallEvent } from './caller.ts';
import { FRAME_BYTES, TwilioPhone, type GatewayMessage } from './twilio-phone.ts';

// The caller of a conversation test through the phone edge: a call placed as Twilio places it
// (signed webhook, Media Streams), the line carrying 20 ms of 8 kHz u-law every 20 ms, silence
// between the caller's words, as a phone does. The agent's audio is played on the phone's clock
// and acknowledged with marks. A phone line carries no events, so what the checks read (states,
// tools, transcripts, the end) comes from the gateway's session facts, the feed its call records
// are written from, for the one session whose caller number is this call's.

const LINE_RATE_HZ = 8_000;
const SPEECH_RATE_HZ = 24_000;
const FRAME_MS = 20;
/** u-law silence (the code for a zero sample). */
const SILENCE = new Uint8Array(FRAME_BYTES).fill(0xff);
/** A late timer sends the frames it missed, but never more than this at once (a phone's jitter). */
const MAX_CATCH_UP_FRAMES = 5;
/** After the gateway closed the line, how long the session's end may take to be published. */
const END_FACT_WAIT_MS = 2_000;

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
  #framesSent = 0;
  /** The caller's words not yet on the line, and who waits for them to be. */
  #speech: { frames: Uint8Array[]; sent: () => void } | undefined;

  private constructor(facts: FactHub) {
    super();
    this.#unlisten = facts.listen({
      sessionStarted: (f) => {
        if (f.edge !== 'twilio' || f.caller?.from !== this.#from) return;
        this.#sessionId = f.sessionId;
        this.#fact({ type: 'session.ready', agent: f.agent, state: f.state });
      },
      stateChanged: (f) => this.#mine(f.sessionId) && this.#fact({ type: 'state.changed', agent: f.agent, from: f.from, to: f.to }),
      toolFinished: (f) => {
        if (!this.#mine(f.sessionId)) return;
        const now = performance.now();
        this.#fact({ type: 'tool.call', name: f.tool, call_id: f.callId, arguments: f.arguments }, now - f.durationMs);
        this.#fact({ type: 'tool.result', name: f.tool, call_id: f.callId, error: !f.ok }, now);
      },
      transcriptFinal: (f) => this.#mine(f.sessionId) && this.#fact({ type: 'transcript', role: f.role, text: f.text, final: true }),
      sessionEnded: (f) => this.#mine(f.sessionId) && this.#fact({ type: 'session.ended', reason: f.reason }),
    });
  }

  static async dial(opts: TwilioCallerOptions): Promise<TwilioCaller> {
    const caller = new TwilioCaller(opts.facts);
    try {
      caller.#phone = await TwilioPhone.dial({ httpUrl: opts.httpUrl, publicUrl: opts.publicUrl, authToken: opts.authToken, from: caller.#from });
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

  /** Whether the agent has spoken since `since`, the phone has played all of it, and nothing happened for `quietMs`. */
  agentDone(since: number, quietMs: number): boolean {
    const spoke = this.audioAt.some((at) => at > since) || this.spokeSince(since);
    const heard = this.#phone.playedMs >= this.#phone.queuedMs;
    return this.closed || (spoke && heard && performance.now() - this.#lastActivity >= quietMs);
  }

  /** The phone says what it has played itself, with marks. */
  reportPlayed(): void {}

  control(): void {
    throw new Error('a phone line carries no text: typed turns cannot go through the twilio edge');
  }

  async stream(samples: Int16Array): Promise<void> {
    const ulaw = pcm16ToUlaw(await resample(samples, SPEECH_RATE_HZ, LINE_RATE_HZ));
    const frames: Uint8Array[] = [];
    for (let i = 0; i < ulaw.length; i += FRAME_BYTES) frames.push(ulaw.subarray(i, i + FRAME_BYTES));
    if (this.closed || frames.length === 0) return;
    await new Promise<void>((sent) => {
      this.#speech?.sent();
      this.#speech = { frames, sent };
    });
  }

  async close(): Promise<void> {
    this.#stopLine();
    if (!this.closed) {
      // The caller hangs up: what follows is not the call's to show.
      this.#unlisten();
      this.#phone.hangUp();
      return;
    }
    // The gateway ended the call: its end is published as the line closes.
    await this.until(() => this.events.some((e) => e.value.type === 'session.ended'), END_FACT_WAIT_MS, 'x').catch(() => undefined);
    this.#unlisten();
  }

  /** Every 20 ms a frame goes down the line: the caller's words, or silence. */
  #tick(): void {
    if (this.closed) return this.#stopLine();
    const due = Math.floor((performance.now() - this.#lineStart) / FRAME_MS) - this.#framesSent;
    for (let n = 0; n < Math.min(due, MAX_CATCH_UP_FRAMES); n++) {
      const speech = this.#speech;
      this.#phone.sendFrame(speech?.frames.shift() ?? SILENCE);
      if (speech && speech.frames.length === 0) {
        this.#speech = undefined;
        speech.sent();
      }
    }
    // Frames a stalled timer missed are skipped, not sent in a burst.
    this.#framesSent += due;
  }

  #stopLine(): void {
    clearInterval(this.#line);
    this.#speech?.sent();
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

  #fact(event: CallEvent, at = performance.now()): void {
    this.#lastActivity = performance.now();
    this.keepEvent(event, at);
    this.wake();
  }
}
