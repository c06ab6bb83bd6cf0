import { SPEECH_RMS } from '../audio/pcm.ts';
import { resample } from '../audio/resampler.ts';
import type { ClientEvent } from '../edges/edge.ts';
import { Caller, SPEECH_RATE_HZ } from './caller.ts';
import { MIC_RATE_HZ, WebrtcPeer } from './webrtc-peer.ts';

// The caller of a conversation test through the browser edge: a WebRTC peer (POST /v1/webrtc),
// its microphone fed the caller's speech at 48 kHz in real time, the gateway's events from the
// data channel. The edge measures playback itself (the peer plays at once), so nothing is
// reported; the agent's audio is known by its loudness, as the track carries silence too.

/** The peer plays what arrives at once: the agent is heard while its loud frames keep coming. */
const PLAYING_GAP_MS = 200;

export class WebrtcCaller extends Caller {
  readonly #peer: WebrtcPeer;
  /** How many of the peer's events and frames have been looked at. */
  #eventsSeen = 0;
  #framesSeen = 0;
  #lastActivity = performance.now();

  private constructor(peer: WebrtcPeer) {
    super();
    this.#peer = peer;
    peer.onActivity = () => this.#take();
  }

  static async connect(baseUrl: string): Promise<WebrtcCaller> {
    const peer = new WebrtcPeer();
    try {
      await peer.connect(baseUrl);
    } catch (err) {
      peer.close();
      throw new Error(`the gateway refused the browser call: ${(err as Error).message}`);
    }
    return new WebrtcCaller(peer);
  }

  get closed(): boolean {
    return this.#peer.channelClosed;
  }

  agentDone(since: number, quietMs: number): boolean {
    const now = performance.now();
    return (this.spokeSince(since) && now - this.#lastActivity >= quietMs) || this.closed;
  }

  agentPlaying(): boolean {
    const last = this.audioAt.at(-1);
    return last !== undefined && last > performance.now() - PLAYING_GAP_MS;
  }

  reportPlayed(): void {}

  control(message: object): void {
    if (!this.closed) this.#peer.send(message);
  }

  async stream(samples: Int16Array): Promise<number> {
    const mic = await resample(samples, SPEECH_RATE_HZ, MIC_RATE_HZ);
    const start = performance.now();
    await this.#peer.speak(mic);
    return start;
  }

  close(): void {
    this.#peer.close();
  }

  /** New events and loud frames from the peer, with their times. */
  #take(): void {
    const { events, received } = this.#peer;
    for (; this.#eventsSeen < events.length; this.#eventsSeen++) {
      this.keepEvent(events[this.#eventsSeen] as ClientEvent);
      this.#lastActivity = performance.now();
    }
    for (; this.#framesSeen < received.length; this.#framesSeen++) {
      const frame = received[this.#framesSeen];
      if (frame.rms < SPEECH_RMS) continue;
      this.keepAudio(frame.atMs);
      this.#lastActivity = frame.atMs;
    }
    this.wake();
  }
}
