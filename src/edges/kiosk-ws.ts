import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import type { WebSocket } from '@fastify/websocket';
import { bytesPerMs, durationMs, PCM24K } from '../audio/format.ts';
import type { AudioMedia, ClientEvent, EdgeEvents, EdgeTransport, SessionRateLimit } from './edge.ts';
import { parseControl } from './control.ts';
import { errorEvent, replyError } from './errors.ts';
import { startFailure } from './start-failure.ts';
import { sessionRateLimit } from './rate-limit.ts';
import type { StartSession } from '../session/starter.ts';
import { VgError } from '../errors.ts';
import { safeEqual } from './safe-equal.ts';
import { bearerToken } from './bearer.ts';
import { TokenBucket } from './token-bucket.ts';
import { startHeartbeat } from './kiosk/heartbeat.ts';
import { AUDIO_BURST_MS, MicrophoneBudget } from './kiosk/microphone-budget.ts';
import { DevicePlayback } from './kiosk/device-playback.ts';
import { Outbound } from './kiosk/outbound.ts';
import type { PenaltyBox } from './kiosk/penalty-box.ts';

export interface KioskEdgeOptions {
  startSession: StartSession;
  /** Accepted device tokens (`?token=` or `Authorization: Bearer`); empty = no check. */
  tokens: readonly string[];
  /** Why another session would be refused now (full, draining); the upgrade then gets the coded 503. */
  refusal: () => VgError | undefined;
  /** Sessions per client address; needs @fastify/rate-limit registered on the app. */
  rateLimit?: SessionRateLimit;
  /** WebSocket ping interval; a device that has not answered the previous ping is dropped. */
  heartbeatMs?: number;
  /** Addresses whose device broke a limit, refused before the upgrade for a while. */
  penalty?: PenaltyBox;
}

/** How long a device closed for breaking a limit has to take its close frame before the cut. */
const REFUSED_LINGER_MS = 500;

/** Devices speak PCM16 24 kHz both ways. */
const MEDIA: AudioMedia = { format: PCM24K };
/** Largest binary frame: 500 ms. Devices send 20-100 ms frames. */
export const MAX_AUDIO_FRAME_BYTES = bytesPerMs(MEDIA.format) * 500;
/**
 * What the socket reads at all (its maxPayload). A frame between this and the audio limit gets
 * an error naming the limit before the close; past this, ws closes with a bare 1009 before the
 * payload is read, so a huge frame never costs memory.
 */
export const MAX_FRAME_BYTES = 2 * MAX_AUDIO_FRAME_BYTES;
/** Pings well inside the usual load-balancer idle timeouts (60 s). */
export const HEARTBEAT_MS = 15_000;
/**
 * Frames of either kind a device may send: 20 ms audio and playback reports come to about 60 a
 * second, so this leaves room for 10 ms frames and for speech streamed at 4x.
 */
export const FRAMES_PER_SECOND = 200;
export const FRAME_BURST = 1_000;
/**
 * Malformed frames a device may send before it is closed: a device with a bug gets each one
 * named back, one that streams them is cut off instead of being parsed and answered at length.
 */
export const BAD_FRAME_BURST = 10;
export const BAD_FRAMES_PER_SECOND = 1;

/**
 * The kiosk / device edge: `GET /v1/ws`. Binary frames are PCM16 24 kHz mono LE both ways; text
 * frames are JSON control messages (src/edges/control.ts) and events (ClientEvent).
 */
export const kioskEdge: FastifyPluginAsync<KioskEdgeOptions> = async (app, opts) => {
  app.get('/v1/ws', {
    websocket: true,
    config: sessionRateLimit(opts.rateLimit),
    // Reject before the upgrade, so a refused device never gets a socket. The token comes first:
    // a device without one learns nothing about the gateway's load.
    preValidation: async (req, reply) => {
      if (opts.tokens.length > 0) {
        const token = bearerToken(req.headers.authorization) ?? queryToken(req.query);
        if (!token || !opts.tokens.some((t) => safeEqual(t, token))) {
          await replyError(reply, 'VG_ERR_UNAUTHORIZED');
          return;
        }
      }
      const waitMs = opts.penalty?.remainingMs(req.ip) ?? 0;
      if (waitMs > 0) {
        const retryS = Math.ceil(waitMs / 1000);
        req.log.warn({ retry_s: retryS }, 'device refused: its address broke a limit');
        await replyError(reply.header('retry-after', String(retryS)), 'VG_ERR_COOLING_OFF', `retry in ${retryS} s`);
        return;
      }
      const refusal = opts.refusal();
      if (refusal) {
        req.log.warn({ code: refusal.code }, 'device refused before the upgrade');
        await replyError(reply, refusal);
      }
    },
  }, (socket, req) => {
    const edge = new KioskEdge(socket, req.log, opts.heartbeatMs ?? HEARTBEAT_MS, () => opts.penalty?.punish(req.ip));
    opts.startSession(edge, { log: req.log }).catch((err: unknown) => {
      const failure = startFailure(err);
      req.log.error({ err, reason: failure.reason }, 'session could not start');
      edge.send(errorEvent(failure.error));
      edge.close(failure.reason, failure.error.wsCloseCode);
    });
  });
};

class KioskEdge extends EventEmitter<EdgeEvents> implements EdgeTransport {
  readonly kind = 'kiosk' as const;
  readonly media = MEDIA;
  readonly #socket: WebSocket;
  readonly #log: FastifyBaseLogger;
  readonly #out: Outbound;
  readonly #frames = new TokenBucket(FRAME_BURST, FRAMES_PER_SECOND);
  readonly #badFrames = new TokenBucket(BAD_FRAME_BURST, BAD_FRAMES_PER_SECOND);
  readonly #onOffence: () => void;
  readonly #microphone = new MicrophoneBudget(MEDIA.format);
  readonly #playback = new DevicePlayback();
  readonly #stopHeartbeat: () => void;
  #closed = false;

  /** `onOffence`: the device broke a limit and is being closed for it. */
  constructor(socket: WebSocket, log: FastifyBaseLogger, heartbeatMs: number, onOffence: () => void) {
    super();
    this.#socket = socket;
    this.#log = log;
    this.#onOffence = onOffence;
    this.#out = new Outbound(socket);
    socket.on('message', (data, isBinary) => this.#onFrame(data as Buffer, isBinary));
    socket.on('close', () => this.#onClosed('client_closed'));
    socket.on('error', () => this.#onClosed('socket_error'));
    this.#stopHeartbeat = startHeartbeat(socket, heartbeatMs, () => {
      // A dead peer reads no close frame: drop the connection outright.
      socket.terminate();
      this.#onClosed('heartbeat_timeout');
    });
  }

  sendAudio(payload: string): void {
    if (this.#closed) return;
    const pcm = Buffer.from(payload, 'base64');
    if (this.#out.audio(pcm)) this.#playback.sent(durationMs(MEDIA.format, pcm.length));
  }

  clearAudio(): void {
    this.send({ type: 'audio.clear', epoch: this.#playback.clear() });
  }

  playedMs(): number {
    return this.#playback.playedMs;
  }

  send(event: ClientEvent): void {
    if (this.#closed) return;
    this.#out.event(event);
  }

  /** `closeReason` goes in the close frame (a coded refusal carries its code there). */
  close(reason: string, code = 1000, closeReason = reason): void {
    if (this.#closed) return;
    this.send({ type: 'session.ended', reason });
    this.#socket.close(code, closeReason);
    this.#onClosed(reason);
  }

  #onFrame(data: Buffer, isBinary: boolean): void {
    // After a close the socket still delivers what the device had already sent: ignore it.
    if (this.#closed) return;
    if (!this.#frames.take()) {
      this.#refuse(new VgError('VG_ERR_TOO_MANY_FRAMES', `more than ${FRAMES_PER_SECOND} frames a second`), 'too_many_frames');
      return;
    }
    if (isBinary) {
      this.#onAudio(data);
      return;
    }
    const parsed = parseControl(data.toString('utf8'));
    if (!parsed.ok) {
      this.#reject(parsed.error);
      return;
    }
    if (parsed.message.type === 'playback') {
      const wrong = this.#playback.report(parsed.message.played_ms, parsed.message.epoch);
      if (wrong) this.#reject(wrong);
      return;
    }
    this.emit('control', parsed.message);
  }

  #onAudio(data: Buffer): void {
    if (data.length > MAX_AUDIO_FRAME_BYTES) {
      const limit = new VgError('VG_ERR_FRAME_TOO_LARGE',
        `audio frame of ${data.length} bytes: at most ${MAX_AUDIO_FRAME_BYTES} bytes (500 ms of PCM16 at 24 kHz)`);
      this.send(errorEvent(limit));
      this.close('frame_too_large', limit.wsCloseCode, limit.code);
      return;
    }
    if (data.length % 2 !== 0) {
      this.#reject(`binary frame of ${data.length} bytes: audio frames are PCM16, an even number of bytes`);
      return;
    }
    switch (this.#microphone.admit(data.length)) {
      case 'forward':
        this.emit('audio', data.toString('base64'));
        return;
      case 'first_drop':
        this.send(errorEvent(new VgError('VG_ERR_AUDIO_TOO_FAST',
          `audio more than ${AUDIO_BURST_MS / 1000} s ahead of real time is dropped; send it as it is recorded`)));
        return;
      case 'drop':
        return;
      case 'refuse':
        this.#refuse(new VgError('VG_ERR_AUDIO_TOO_FAST', 'the device kept sending audio faster than real time'), 'audio_too_fast');
    }
  }

  #reject(detail: string): void {
    if (!this.#badFrames.take()) {
      this.#refuse(new VgError('VG_ERR_BAD_FRAME', `more than ${BAD_FRAME_BURST} malformed frames; the last: ${detail}`), 'bad_frames');
      return;
    }
    this.send(errorEvent(new VgError('VG_ERR_BAD_FRAME', detail)));
  }

  /** Ends a device that broke a limit: `session.ended` with `reason`, then a close frame carrying the code. */
  #refuse(error: VgError, reason: string): void {
    this.#log.warn({ code: error.code, message: error.message }, 'device closed for breaking a limit');
    this.#onOffence();
    this.close(reason, error.wsCloseCode, error.code);
    // A device that broke a limit will not answer the close handshake, and reading on until ws's
    // close timeout (30 s) would spend the relay's CPU parsing its flood: stop reading now, and
    // cut the connection once the close frame has had a moment to leave.
    this.#socket.pause();
    const cut = setTimeout(() => this.#socket.terminate(), REFUSED_LINGER_MS);
    cut.unref();
  }

  #onClosed(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopHeartbeat();
    // Once per session, not per dropped frame or event.
    const droppedMicrophoneMs = Math.round(this.#microphone.droppedMs);
    if (this.#out.dropped() || droppedMicrophoneMs > 0) {
      this.#log.warn({ reason, dropped: { ...this.#out.drops, microphoneMs: droppedMicrophoneMs } }, 'device limits held traffic back');
    }
    this.emit('close', reason);
  }
}

function queryToken(query: unknown): string | undefined {
  const token = (query as { token?: unknown } | undefined)?.token;
  return typeof token === 'string' && token.length > 0 ? token : undefined;
}
