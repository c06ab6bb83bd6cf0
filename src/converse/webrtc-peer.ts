// A browser stand-in in Node (@roamhq/wrtc): offers audio + the `events` data channel over
// `POST /v1/webrtc`, sends 48 kHz microphone audio in real time, records what comes back. The
// conversation tests' WebRTC caller, and the tests' browser.
import { rms } from '../audio/pcm.ts';
import type { ClientEvent } from '../edges/edge.ts';
import { iceGatheringDone } from '../edges/webrtc/signalling.ts';
import { RTCAudioSink, RTCAudioSource, RTCPeerConnection, type AudioFrame, type AudioSink, type PeerConfiguration } from '../edges/webrtc/wrtc.ts';

export const MIC_RATE_HZ = 48_000;
const FRAME_SAMPLES = MIC_RATE_HZ / 100;
/** Events and frames kept per call (frames come 100 a second: about 16 minutes). */
const MAX_KEPT = 100_000;

export interface ReceivedFrame {
  /** performance.now() at arrival. */
  atMs: number;
  rms: number;
  samples: number;
  sampleRate: number;
}

export class WebrtcPeer {
  readonly pc: RTCPeerConnection;
  readonly channel: RTCDataChannel;
  readonly events: ClientEvent[] = [];
  readonly received: ReceivedFrame[] = [];
  /** Where to DELETE the session (from the 201's Location). */
  location = '';
  /** The 201's Vg-Call-Key, which a DELETE must present. */
  callKey = '';
  channelClosed = false;
  /** Called on each event and each received frame, after it is kept. */
  onActivity: (() => void) | undefined;
  readonly #source = new RTCAudioSource();
  readonly #track = this.#source.createTrack();
  #sink: AudioSink | undefined;

  constructor(configuration: PeerConfiguration = {}) {
    this.pc = new RTCPeerConnection(configuration);
    this.pc.addTrack(this.#track);
    this.channel = this.pc.createDataChannel('events');
    this.channel.onmessage = (event: MessageEvent<string>) => {
      if (this.events.length < MAX_KEPT) this.events.push(JSON.parse(event.data) as ClientEvent);
      this.onActivity?.();
    };
    this.channel.onclose = () => {
      this.channelClosed = true;
      this.onActivity?.();
    };
    this.pc.ontrack = (event) => {
      const sink = new RTCAudioSink(event.track);
      sink.ondata = (frame: AudioFrame) => {
        if (this.received.length < MAX_KEPT) this.received.push({ atMs: performance.now(), rms: rms(frame.samples), samples: frame.numberOfFrames, sampleRate: frame.sampleRate });
        this.onActivity?.();
      };
      this.#sink = sink;
    };
  }

  /**
   * Offers and posts, without applying the answer: on its own, a peer that never connects.
   * A 201 sets `location`.
   */
  async offer(baseUrl: string, headers: Record<string, string> = {}): Promise<Response> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    await iceGatheringDone(this.pc, 2_000);
    const response = await fetch(`${baseUrl}/v1/webrtc`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', ...headers },
      body: this.pc.localDescription?.sdp,
    });
    if (response.status === 201) {
      this.location = response.headers.get('location') ?? '';
      this.callKey = response.headers.get('vg-call-key') ?? '';
    }
    return response;
  }

  /** Offers, posts, applies the answer and waits for the data channel to open. */
  async connect(baseUrl: string, headers: Record<string, string> = {}): Promise<void> {
    await this.accept(await this.offer(baseUrl, headers));
  }

  /** Applies the answer `offer` got and waits for the data channel to open. */
  async accept(response: Response): Promise<void> {
    if (response.status !== 201) throw new Error(`POST /v1/webrtc: ${response.status} ${await response.text()}`);
    await this.pc.setRemoteDescription({ type: 'answer', sdp: await response.text() });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('data channel did not open')), 5_000);
      this.channel.onopen = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  send(message: unknown): void {
    this.channel.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Streams 48 kHz mono PCM as the microphone, one 10 ms frame per 10 ms of wall clock. */
  async speak(samples: Int16Array): Promise<void> {
    const start = performance.now();
    for (let frame = 0; frame * FRAME_SAMPLES < samples.length; frame++) {
      const due = start + frame * 10;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const chunk = new Int16Array(FRAME_SAMPLES);
      chunk.set(samples.subarray(frame * FRAME_SAMPLES, (frame + 1) * FRAME_SAMPLES));
      this.#source.onData({ samples: chunk, sampleRate: MIC_RATE_HZ, bitsPerSample: 16, channelCount: 1, numberOfFrames: FRAME_SAMPLES });
    }
  }

  /** DELETEs the call's location, with its key unless `key` says otherwise ('' for none). */
  hangUp(baseUrl: string, key = this.callKey): Promise<Response> {
    return fetch(`${baseUrl}${this.location}`, { method: 'DELETE', headers: key ? { authorization: `Bearer ${key}` } : {} });
  }

  async waitForEvent<T extends ClientEvent['type']>(type: T, timeoutMs = 5_000): Promise<Extract<ClientEvent, { type: T }>> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = this.events.find((e): e is Extract<ClientEvent, { type: T }> => e.type === type);
      if (found) return found;
      if (performance.now() > deadline) throw new Error(`no ${type} event within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): void {
    this.#sink?.stop();
    this.#track.stop();
    this.channel.onclose = null;
    this.pc.close();
  }
}
