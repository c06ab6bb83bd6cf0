import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from '@fastify/websocket';
import { base64ByteLength } from '../../audio/base64.ts';
import { silenceBytes } from '../../audio/codec.ts';
import { bytesPerMs, PCMU } from '../../audio/format.ts';
import type { AudioMedia, CallerDetails, ClientEvent, EdgeEvents, EdgeTransport } from '../edge.ts';
import { parseTwilioMessage, type StartMessage, type TwilioMessage } from './messages.ts';
import type { TokenCheck } from './stream-token.ts';

/** G.711 u-law both ways, passed through: Twilio's payloads are the backend's, byte for byte. */
const MEDIA: AudioMedia = { format: PCMU };
/** Twilio sends `start` right after connecting; a stream that has not started by then is dropped. */
const START_TIMEOUT_MS = 10_000;
/** Twilio reads as fast as it plays; this much unsent (minutes of audio) means it stopped reading. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** Twilio's frames are 20 ms; a jump shorter than one is timestamp rounding, not a lost frame. */
const FRAME_MS = 20;
/** A longer gap (the line was gone for a while) is filled up to this much, as agents-js does. */
const MAX_GAP_MS = 10_000;
/** What comes once a stream has started. */
type StreamMessage = Exclude<TwilioMessage, { event: 'connected' | 'start' }>;
/** Messages held while `start` is checked (a fleet round trip): 5 s of media, far more than it takes. */
const MAX_HELD = 250;
/** The longest the stream stays open at its end for the caller to hear the agent's last words. */
const MAX_PLAY_OUT_MS = 5_000;
/** Marks come back a moment after the audio played: the close waits that much longer. */
const PLAY_OUT_MARGIN_MS = 250;
/** Mark names are `<clear epoch>:<bytes sent in that epoch>`. */
const MARK_NAME = /^(\d+):(\d+)$/;

export interface TwilioEdgeInit {
  log: FastifyBaseLogger;
  /** Checks a `start` message (its stream token); a refusal ends the stream before any session. */
  verifyStart: (start: StartMessage) => Promise<TokenCheck>;
  /** The stream has started and checked out: the session may begin. */
  onStart: () => void;
}

/**
 * One phone call over Twilio Media Streams (`<Connect><Stream>`). Caller audio is each `media`
 * message's payload, passed on as it is; agent audio goes back the same way, each chunk followed
 * by a `mark`. Twilio echoes a mark when the audio before it has played, so the last echoed mark
 * is what the caller has heard; `clear` (barge-in) flushes Twilio's buffer and echoes every
 * pending mark at once, so marks from before a clear carry an older epoch and are not counted.
 */
export class TwilioEdge extends EventEmitter<EdgeEvents> implements EdgeTransport {
  readonly kind = 'twilio' as const;
  readonly media = MEDIA;
  readonly #socket: WebSocket;
  readonly #init: TwilioEdgeInit;
  #log: FastifyBaseLogger;
  #streamSid: string | undefined;
  #caller: CallerDetails | undefined;
  #callSid: string | undefined;
  #transferTo: string | undefined;
  #epoch = 0;
  #sentBytes = 0;
  #heardBytes = 0;
  #droppedBytes = 0;
  #badMessages = 0;
  #startTimer: NodeJS.Timeout | undefined;
  /** Set while `start` is being checked: what came after it, to be handled once it checks out. */
  #held: StreamMessage[] | undefined;
  #heldDropped = 0;
  /** Media time (ms) where the caller's last frame ended. */
  #mediaEndMs: number | undefined;
  #closed = false;

  constructor(socket: WebSocket, init: TwilioEdgeInit) {
    super();
    this.#socket = socket;
    this.#init = init;
    this.#log = init.log;
    socket.on('message', (data, isBinary) => this.#onFrame(data as Buffer, isBinary));
    socket.on('close', () => this.#onClosed('client_closed'));
    socket.on('error', () => this.#onClosed('socket_error'));
    this.#startTimer = setTimeout(() => this.close('start_timeout'), START_TIMEOUT_MS);
    this.#startTimer.unref();
  }

  /**
   * Transfers the call to a person: noted here, then the session ends ('transferred') and closes
   * the stream, and Twilio's question after it is answered with a `<Dial>` to `targetUri`.
   */
  async transfer(targetUri: string): Promise<void> {
    if (this.#closed || !this.#callSid) throw new Error('the stream is not live');
    this.#transferTo = targetUri;
  }

  /** Where the call goes once the stream ends, if it was transferred. */
  get transferTarget(): string | undefined {
    return this.#transferTo;
  }

  /** The call's `CallSid`, once its stream has started. */
  get callSid(): string | undefined {
    return this.#callSid;
  }

  get caller(): CallerDetails | undefined {
    return this.#caller;
  }

  sendAudio(payload: string): void {
    if (this.#closed || !this.#streamSid) return;
    const bytes = base64ByteLength(payload);
    if (this.#socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      if (this.#droppedBytes === 0) this.#log.warn('Twilio is not reading the stream; agent audio dropped');
      this.#droppedBytes += bytes;
      return;
    }
    this.#sentBytes += bytes;
    const sid = this.#streamSid;
    this.#socket.send(`{"event":"media","streamSid":"${sid}","media":{"payload":"${payload}"}}`);
    this.#socket.send(`{"event":"mark","streamSid":"${sid}","mark":{"name":"${this.#epoch}:${this.#sentBytes}"}}`);
  }

  clearAudio(): void {
    this.#epoch++;
    this.#sentBytes = 0;
    this.#heardBytes = 0;
    if (this.#closed || !this.#streamSid) return;
    this.#socket.send(`{"event":"clear","streamSid":"${this.#streamSid}"}`);
  }

  playedMs(): number {
    return this.#heardBytes / bytesPerMs(MEDIA.format);
  }

  /** A phone line has no event channel: what the caller needs to know, the agent says. */
  send(_event: ClientEvent): void {}

  /**
   * Closing the stream makes Twilio ask the `<Connect action>` URL what the caller hears next
   * (twiml.ts), and drops what it has not played: the stream stays open until the caller has heard
   * what was sent (a transfer's "putting you through"), at most MAX_PLAY_OUT_MS. The call is over
   * for the session at once.
   */
  close(reason: string): void {
    if (this.#closed) return;
    const unheardMs = (this.#sentBytes - this.#heardBytes) / bytesPerMs(MEDIA.format);
    this.#onClosed(reason);
    if (unheardMs <= 0 || reason === 'hangup') {
      this.#socket.close(1000, reason);
      return;
    }
    setTimeout(() => this.#socket.close(1000, reason), Math.min(unheardMs + PLAY_OUT_MARGIN_MS, MAX_PLAY_OUT_MS)).unref();
  }

  #onFrame(data: Buffer, isBinary: boolean): void {
    if (this.#closed) return;
    if (isBinary) return this.#bad('binary frame: Media Streams messages are JSON text');
    const parsed = parseTwilioMessage(data.toString('utf8'));
    if (!parsed.ok) return this.#bad(parsed.error);
    const message = parsed.message;
    if (message.event === 'connected') return;
    if (message.event === 'start') {
      this.#onStart(message).catch((err: unknown) => {
        this.#log.error({ err }, 'Twilio stream start failed');
        this.close('start_failed');
      });
      return;
    }
    if (this.#held) {
      if (this.#held.length < MAX_HELD) this.#held.push(message);
      else if (this.#heldDropped++ === 0) this.#log.warn({ max: MAX_HELD }, 'Twilio messages dropped while the stream start was checked');
      return;
    }
    this.#onAfterStart(message);
  }

  #onAfterStart(message: StreamMessage): void {
    if (!this.#streamSid) return this.#bad(`${message.event} before start`);
    if (message.streamSid !== this.#streamSid) return this.#bad(`${message.event} for another stream`);
    this.#onStreamMessage(message);
  }

  #onStreamMessage(message: StreamMessage): void {
    switch (message.event) {
      case 'media':
        this.#fillGap(message.timestamp);
        this.emit('audio', message.payload);
        if (message.timestamp !== undefined) this.#mediaEndMs = message.timestamp + base64ByteLength(message.payload) / bytesPerMs(MEDIA.format);
        return;
      case 'mark': {
        const match = MARK_NAME.exec(message.mark.name);
        if (match && Number(match[1]) === this.#epoch) this.#heardBytes = Math.max(this.#heardBytes, Number(match[2]));
        return;
      }
      case 'dtmf':
        this.emit('control', { type: 'dtmf', digit: message.dtmf.digit });
        return;
      case 'stop':
        this.close('hangup');
        return;
    }
  }

  async #onStart(message: StartMessage): Promise<void> {
    if (this.#streamSid || this.#held) return this.#bad('a second start');
    this.#held = [];
    const check = await this.#init.verifyStart(message).catch((err: unknown): TokenCheck => {
      this.#log.error({ err }, 'Twilio stream start could not be checked');
      return { ok: false, reason: 'start check failed' };
    });
    const held = this.#held;
    this.#held = undefined;
    if (this.#closed) return;
    if (!check.ok) {
      this.#log.warn({ reason: check.reason }, 'Twilio stream refused');
      this.close('stream_refused');
      return;
    }
    clearTimeout(this.#startTimer);
    const { streamSid, callSid, customParameters } = message.start;
    this.#streamSid = streamSid;
    this.#callSid = callSid;
    this.#caller = { from: customParameters.From || undefined, to: customParameters.To || undefined };
    this.#log = this.#log.child({ call_sid: callSid });
    this.#init.onStart();
    for (const later of held) {
      if (this.#closed) return;
      this.#onAfterStart(later);
    }
  }

  /**
   * Frames a lossy line dropped leave a jump in the media time: the gap goes to the backend as
   * silence (at most MAX_GAP_MS), so its VAD hears the pause the caller made rather than none.
   */
  #fillGap(timestamp: number | undefined): void {
    if (timestamp === undefined || this.#mediaEndMs === undefined) return;
    const gapMs = timestamp - this.#mediaEndMs;
    if (gapMs < FRAME_MS) return;
    this.emit('audio', silenceBytes(MEDIA.format, Math.min(gapMs, MAX_GAP_MS)).toString('base64'));
  }

  /** Logged and ignored: a bad message never ends the call, and never touches another. */
  #bad(detail: string): void {
    this.#badMessages++;
    if (this.#badMessages === 1) this.#log.warn({ detail }, 'malformed Twilio message ignored');
    else this.#log.debug({ detail, count: this.#badMessages }, 'malformed Twilio message ignored');
  }

  #onClosed(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#startTimer);
    if (this.#droppedBytes > 0) this.#log.warn({ droppedMs: this.#droppedBytes / bytesPerMs(MEDIA.format) }, 'agent audio dropped in this call');
    this.emit('close', reason);
  }
}
