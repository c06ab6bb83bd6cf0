import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import { VgError } from '../../errors.ts';
import { PCM24K } from '../../audio/format.ts';
import type { AudioMedia, ClientEvent, EdgeEvents, EdgeTransport } from '../edge.ts';
import { MicrophoneInput } from './audio-in.ts';
import { AudioPump, MAX_QUEUED_MS } from './audio-out.ts';
import { parseControl } from '../control.ts';
import { errorEvent } from '../errors.ts';
import { advertisedCandidates, peerConfiguration, type WebrtcNetwork } from './network.ts';
import { iceGatheringDone } from './signalling.ts';
import { RTCAudioSink, RTCAudioSource, RTCPeerConnection, type AudioFrame, type AudioSink } from './wrtc.ts';

/** The browser opens the control channel under this label; any other channel is refused. */
const CONTROL_CHANNEL_LABEL = 'events';
/** A 'disconnected' peer often recovers (ICE consent is checked every few seconds); wait this long. */
const DISCONNECTED_GRACE_MS = 5_000;
/** Events queued before the data channel opens (session.ready and the greeting's transcript). */
const MAX_OUTBOX_EVENTS = 256;
/** Above this many unsent bytes on the data channel the client is not reading; drop UI events. */
const MAX_CHANNEL_BUFFERED_BYTES = 1024 * 1024;
/** Time for the final `session.ended` to leave before the peer connection is torn down. */
const CLOSE_LINGER_MS = 200;

export interface WebrtcEdgeInit {
  log: FastifyBaseLogger;
  /** The call must be established (see `established`) this long after the answer, or the edge closes. */
  connectTimeoutMs: number;
  network: WebrtcNetwork;
}

/**
 * The server side of one browser call: an RTCPeerConnection whose microphone track feeds 'audio'
 * events (24 kHz) and whose outgoing track plays agent audio in real time, plus the `events` data
 * channel for control messages one way and ClientEvents the other.
 */
export class WebrtcEdge extends EventEmitter<EdgeEvents> implements EdgeTransport {
  readonly kind = 'webrtc' as const;
  /** The peer's Opus is decoded and resampled to PCM16 24 kHz here, and back on the way out. */
  readonly media: AudioMedia = { format: PCM24K };
  #log: FastifyBaseLogger;
  readonly #connectTimeoutMs: number;
  readonly #network: WebrtcNetwork;
  readonly #pc: RTCPeerConnection;
  readonly #track: MediaStreamTrack;
  readonly #pump: AudioPump;
  readonly #mic: MicrophoneInput;
  #sink: AudioSink | undefined;
  #channel: RTCDataChannel | undefined;
  #outbox: string[] = [];
  #connectTimer: NodeJS.Timeout | undefined;
  #graceTimer: NodeJS.Timeout | undefined;
  /** Whether the offer asked for a data channel; then the call is established only once it is open. */
  #wantsChannel = false;
  readonly #established: Promise<boolean>;
  #settleEstablished: (up: boolean) => void = () => {};
  #closed = false;

  private constructor(init: WebrtcEdgeInit) {
    super();
    this.#log = init.log;
    this.#connectTimeoutMs = init.connectTimeoutMs;
    this.#network = init.network;
    this.#pc = new RTCPeerConnection(peerConfiguration(init.network));
    const source = new RTCAudioSource();
    this.#track = source.createTrack();
    this.#pump = new AudioPump(source, (droppedMs) =>
      this.#log.warn({ droppedMs, maxQueuedMs: MAX_QUEUED_MS }, 'agent audio queue full; audio dropped'),
    );
    this.#mic = new MicrophoneInput((pcm) => this.#deliver(() => this.emit('audio', pcm.toString('base64'))));
    this.#pc.ontrack = (event) => this.#onTrack(event.track);
    this.#pc.ondatachannel = (event) => this.#onDataChannel(event.channel);
    this.#pc.onconnectionstatechange = () => this.#onConnectionState();
    this.#pc.oniceconnectionstatechange = () => {
      if (this.#pc.iceConnectionState === 'failed') this.close('ice_failed');
    };
    this.#established = new Promise((resolve) => {
      this.#settleEstablished = resolve;
    });
  }

  static async create(init: WebrtcEdgeInit): Promise<WebrtcEdge> {
    const edge = new WebrtcEdge(init);
    try {
      await edge.#mic.ready();
    } catch (err) {
      edge.close('resampler_failed');
      throw err;
    }
    return edge;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Resolves true once the call is up: the peer is connected and, if the offer carried one, the
   * `events` channel is open (so whatever the session says first reaches the client). Resolves
   * false when the edge closes before that.
   */
  established(): Promise<boolean> {
    return this.#established;
  }

  /** The peer's configuration as the WebRTC stack holds it (ICE servers, port range): for diagnostics. */
  peerConfiguration(): RTCConfiguration {
    return this.#pc.getConfiguration();
  }

  /** Tags this edge's log lines with the session it now belongs to. */
  bindSession(sessionId: string): void {
    this.#log = this.#log.child({ session_id: sessionId });
  }

  /**
   * Applies the browser's offer and returns the answer with its ICE candidates. A rejected
   * offer throws `OfferRejected`; the caller closes the edge either way on failure.
   */
  async answer(offerSdp: string, iceGatherTimeoutMs: number): Promise<string> {
    try {
      await this.#pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    } catch (err) {
      throw new OfferRejected(err instanceof Error ? err.message : String(err));
    }
    this.#wantsChannel = /^m=application /m.test(offerSdp);
    // After the offer, addTrack reuses the browser's audio transceiver, which becomes sendrecv.
    this.#pc.addTrack(this.#track);
    await this.#pc.setLocalDescription(await this.#pc.createAnswer());
    await iceGatheringDone(this.#pc, iceGatherTimeoutMs);
    const sdp = this.#pc.localDescription?.sdp;
    if (this.#closed || !sdp) throw new Error('peer connection closed before answering');
    const answer = advertisedCandidates(sdp, this.#network);
    this.#connectTimer = setTimeout(() => this.close('connect_timeout'), this.#connectTimeoutMs);
    this.#connectTimer.unref();
    return answer;
  }

  sendAudio(payload: string): void {
    this.#pump.enqueue(Buffer.from(payload, 'base64'));
  }

  clearAudio(): void {
    this.#pump.clear();
  }

  playedMs(): number {
    return this.#pump.playedMs();
  }

  send(event: ClientEvent): void {
    if (this.#closed) return;
    const text = JSON.stringify(event);
    const channel = this.#channel;
    if (channel?.readyState === 'open') {
      this.#transmit(channel, text);
    } else if (this.#outbox.length < MAX_OUTBOX_EVENTS) {
      this.#outbox.push(text);
    } else {
      this.#log.warn({ event: event.type }, 'data channel not open and outbox full; event dropped');
    }
  }

  /** Ends the call: emits 'close' once and frees the peer, tracks, timers and resamplers. */
  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#settleEstablished(false);
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#graceTimer);
    this.#pump.stop();
    this.#mic.dispose();
    this.#sink?.stop();
    this.#sink = undefined;
    this.#outbox = [];
    const channel = this.#channel;
    if (channel?.readyState === 'open') {
      this.#transmit(channel, JSON.stringify({ type: 'session.ended', reason } satisfies ClientEvent));
      const linger = setTimeout(() => this.#release(), CLOSE_LINGER_MS);
      linger.unref();
    } else {
      this.#release();
    }
    this.#log.info({ reason }, 'webrtc edge closed');
    this.emit('close', reason);
  }

  #release(): void {
    const channel = this.#channel;
    this.#channel = undefined;
    if (channel) {
      channel.onopen = channel.onmessage = channel.onclose = null;
      channel.close();
    }
    this.#track.stop();
    this.#pc.ontrack = this.#pc.ondatachannel = null;
    this.#pc.onconnectionstatechange = this.#pc.oniceconnectionstatechange = null;
    this.#pc.close();
  }

  #onTrack(track: MediaStreamTrack): void {
    if (this.#closed || track.kind !== 'audio' || this.#sink) return;
    const sink = new RTCAudioSink(track);
    sink.ondata = (frame: AudioFrame) => this.#mic.push(frame);
    this.#sink = sink;
  }

  #onDataChannel(channel: RTCDataChannel): void {
    if (this.#closed || channel.label !== CONTROL_CHANNEL_LABEL || this.#channel) {
      channel.close();
      return;
    }
    this.#channel = channel;
    channel.onopen = () => this.#onChannelOpen(channel);
    channel.onmessage = (event: MessageEvent<unknown>) => this.#onMessage(event.data);
    channel.onclose = () => this.close('data_channel_closed');
    if (channel.readyState === 'open') this.#onChannelOpen(channel);
  }

  #onChannelOpen(channel: RTCDataChannel): void {
    this.#flushOutbox(channel);
    this.#checkEstablished();
  }

  #checkEstablished(): void {
    if (this.#closed || this.#pc.connectionState !== 'connected') return;
    if (this.#wantsChannel && this.#channel?.readyState !== 'open') return;
    clearTimeout(this.#connectTimer);
    this.#settleEstablished(true);
  }

  #flushOutbox(channel: RTCDataChannel): void {
    const pending = this.#outbox;
    this.#outbox = [];
    for (const text of pending) this.#transmit(channel, text);
  }

  #transmit(channel: RTCDataChannel, text: string): void {
    if (channel.bufferedAmount > MAX_CHANNEL_BUFFERED_BYTES) {
      this.#log.warn({ bufferedAmount: channel.bufferedAmount }, 'client not reading the data channel; event dropped');
      return;
    }
    try {
      channel.send(text);
    } catch (err) {
      this.#log.warn({ err }, 'data channel send failed');
    }
  }

  #onMessage(data: unknown): void {
    if (this.#closed) return;
    if (typeof data !== 'string') {
      this.#reject('the events channel carries JSON text only');
      return;
    }
    const parsed = parseControl(data);
    if (!parsed.ok) {
      this.#reject(parsed.error);
      return;
    }
    const message = parsed.message;
    // This edge measures playback itself (what it sent in real time); a client's report is moot.
    if (message.type === 'playback') return;
    this.#deliver(() => this.emit('control', message));
    if (message.type === 'hangup') this.close('hangup');
  }

  #reject(detail: string): void {
    const err = new VgError('VG_ERR_BAD_FRAME', detail);
    this.#log.debug({ detail }, 'malformed control message');
    this.send(errorEvent(err));
  }

  #onConnectionState(): void {
    switch (this.#pc.connectionState) {
      case 'connected':
        clearTimeout(this.#graceTimer);
        this.#graceTimer = undefined;
        this.#pump.start();
        this.#checkEstablished();
        break;
      case 'disconnected':
        if (this.#graceTimer) break;
        this.#graceTimer = setTimeout(() => this.close('connection_lost'), DISCONNECTED_GRACE_MS);
        this.#graceTimer.unref();
        break;
      case 'failed':
        this.close('connection_failed');
        break;
      case 'closed':
        this.close('connection_closed');
        break;
      default:
        break;
    }
  }

  /** A throwing session listener must not escape into the native callback and take the process down. */
  #deliver(emit: () => void): void {
    try {
      emit();
    } catch (err) {
      this.#log.error({ err }, 'session listener threw; closing the edge');
      this.close('internal_error');
    }
  }
}

/** The offer was syntactically SDP but the WebRTC stack refused it. */
export class OfferRejected extends Error {
  override readonly name = 'OfferRejected';
}
