import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import twilioWebhooks from 'twilio/lib/webhooks/webhooks.js';
import { MAX_KEPT } from './caller.ts';

// A phone call as Twilio places it: the signed voice webhook, then the Media Streams socket with
// the TwiML's `<Parameter>`s in `start`, caller audio as 20 ms u-law `media` messages, and the
// agent's audio "played" on a clock: each `mark` is echoed when the audio queued before it has
// played, `clear` drops the queue and echoes every pending mark at once, as Twilio does. The
// conversation tests' phone caller and the phone tests both dial with it.

export interface DialOptions {
  /** The gateway's HTTP origin (where the test reaches it). */
  httpUrl: string;
  /** The origin Twilio believes it calls (the gateway's PUBLIC_URL); it is what gets signed. */
  publicUrl: string;
  authToken: string;
  from?: string;
  to?: string;
  /** Playback speed of the simulated phone; 1 = real time. */
  playbackSpeed?: number;
  /** Whether to keep what the gateway sent (`received`, `audio`, `media`); default true. */
  keep?: boolean;
}

export interface GatewayMessage {
  event: 'media' | 'mark' | 'clear';
  streamSid: string;
  media?: { payload: string };
  mark?: { name: string };
}

/** Twilio's media frames, both ways. */
export const FRAME_MS = 20;
/** One 20 ms `media` message of 8 kHz u-law. */
export const FRAME_BYTES = 160;

export function twilioSignature(authToken: string, url: string, params: Record<string, string> = {}): string {
  return twilioWebhooks.getExpectedTwilioSignature(authToken, url, params);
}

/** POSTs a form to `path` as Twilio would (signed over the public URL); returns the response. */
export async function postTwilioForm(opts: DialOptions, path: string, params: Record<string, string>, signature?: string): Promise<Response> {
  return fetch(`${opts.httpUrl}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature ?? twilioSignature(opts.authToken, `${opts.publicUrl}${path}`, params),
    },
    body: new URLSearchParams(params).toString(),
  });
}

/** POSTs the voice webhook as Twilio would; returns the response. */
export function postVoiceWebhook(opts: DialOptions, params: Record<string, string>, signature?: string): Promise<Response> {
  return postTwilioForm(opts, '/twilio/voice', params, signature);
}

/** A tag's attributes, quoted values taken whole (a `>` may stand unescaped inside one), in any order. */
const ATTRIBUTES = String.raw`((?:\s+[\w:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*\/?>`;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The stream URL and parameters of a `<Connect><Stream>` TwiML answer, and the `<Connect action>` Twilio asks once the stream ends. */
export function parseStreamTwiml(twiml: string): { url: string; parameters: Record<string, string>; action?: string } {
  const connectTag = new RegExp(`<Connect${ATTRIBUTES}`).exec(twiml);
  const action = connectTag ? attributes(connectTag[1]).action : undefined;
  const streamTag = new RegExp(`<Stream${ATTRIBUTES}`).exec(twiml);
  const url = streamTag ? attributes(streamTag[1]).url : undefined;
  if (!url) throw new Error(`TwiML without <Stream url>: ${twiml}`);
  const parameters: Record<string, string> = {};
  for (const [, attrs] of twiml.matchAll(new RegExp(`<Parameter${ATTRIBUTES}`, 'g'))) {
    const { name, value } = attributes(attrs);
    if (name !== undefined) parameters[name] = value ?? '';
  }
  return { url, parameters, ...(action === undefined ? {} : { action }) };
}

function attributes(source: string): Record<string, string | undefined> {
  const out: Record<string, string> = {};
  for (const [, key, double, single] of source.matchAll(/([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) out[key] = unescapeXml(double ?? single);
  return out;
}

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, entity: string) => {
    if (entity[0] !== '#') return ENTITIES[entity] ?? whole;
    return String.fromCodePoint(entity[1].toLowerCase() === 'x' ? parseInt(entity.slice(2), 16) : Number(entity.slice(1)));
  });
}

export class TwilioPhone {
  readonly ws: WebSocket;
  readonly streamSid = `MZ${randomBytes(16).toString('hex')}`;
  readonly callSid: string;
  readonly twiml: string;
  /** Every message the gateway sent, in order (the first MAX_KEPT). */
  readonly received: GatewayMessage[] = [];
  /** The u-law agent audio received, in order (across clears). */
  readonly audio: Buffer[] = [];
  /** Each agent audio chunk, where it starts on the playback timeline, and how many clears came before it. */
  readonly media: { payload: string; startMs: number; clears: number }[] = [];
  /** How many `clear`s the gateway sent. */
  clears = 0;
  /** What the phone has done on the line: media frames sent, agent audio played (ms), marks echoed. */
  readonly line = { framesSent: 0, playedMs: 0, marksEchoed: 0 };
  readonly closed: Promise<{ code: number; reason: string }>;
  #sequence = 0;
  #chunk = 0;
  #receivedMs = 0;
  #playedMs = 0;
  #markedMs = 0;
  #paused = false;
  #pendingMarks: { name: string; atMs: number }[] = [];
  readonly #clock: NodeJS.Timeout;
  readonly #keep: boolean;
  #waiters: { predicate: (m: GatewayMessage) => boolean; resolve: (m: GatewayMessage) => void }[] = [];
  /** Called after each message from the gateway (with it), and once the socket has closed (without). */
  onActivity: ((message?: GatewayMessage) => void) | undefined;

  readonly #dial: DialOptions;
  readonly #callParams: Record<string, string>;

  private constructor(ws: WebSocket, dial: DialOptions, callParams: Record<string, string>, twiml: string, speed: number, keep: boolean) {
    const callSid = callParams.CallSid;
    this.ws = ws;
    this.#dial = dial;
    this.#callParams = callParams;
    this.callSid = callSid;
    this.twiml = twiml;
    this.#keep = keep;
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => this.#onMessage(JSON.parse(data.toString()) as GatewayMessage));
    // Played by the time that passed, not by the tick: a late timer must not slow the phone down.
    let lastTick = performance.now();
    this.#clock = setInterval(() => {
      const now = performance.now();
      this.#play((now - lastTick) * speed);
      lastTick = now;
    }, FRAME_MS);
    ws.once('close', () => {
      clearInterval(this.#clock);
      this.onActivity?.();
    });
  }

  /** Places a call: the webhook, the TwiML, the signed upgrade, `connected` and `start`. */
  static async dial(opts: DialOptions): Promise<TwilioPhone> {
    const callSid = `CA${randomBytes(16).toString('hex')}`;
    const params = { CallSid: callSid, AccountSid: `AC${randomBytes(16).toString('hex')}`, From: opts.from ?? '+14155550100', To: opts.to ?? '+18005550199', CallStatus: 'ringing', Direction: 'inbound' };
    const res = await postVoiceWebhook(opts, params);
    const twiml = await res.text();
    if (res.status !== 200) throw new Error(`voice webhook: HTTP ${res.status} ${twiml}`);
    const stream = parseStreamTwiml(twiml);
    const ws = await TwilioPhone.open(opts, stream.url);
    const caller = new TwilioPhone(ws, opts, params, twiml, opts.playbackSpeed ?? 1, opts.keep ?? true);
    caller.send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    caller.send({
      event: 'start',
      sequenceNumber: caller.#nextSequence(),
      start: {
        accountSid: params.AccountSid, streamSid: caller.streamSid, callSid, tracks: ['inbound'],
        customParameters: stream.parameters, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
      streamSid: caller.streamSid,
    });
    return caller;
  }

  /**
   * What Twilio does once the gateway has closed the stream: asks the `<Connect action>` URL, and
   * plays what it answers. Resolves with that TwiML.
   */
  async afterStream(): Promise<string> {
    const action = parseStreamTwiml(this.twiml).action;
    if (!action) throw new Error(`the TwiML has no <Connect action>: ${this.twiml}`);
    const res = await postTwilioForm(this.#dial, new URL(action).pathname, { ...this.#callParams, CallStatus: 'in-progress' });
    const twiml = await res.text();
    if (res.status !== 200) throw new Error(`${action}: HTTP ${res.status} ${twiml}`);
    return twiml;
  }

  /** Opens the stream socket for `streamUrl` (as TwiML names it) on the test's address, signed unless told otherwise. */
  static open(opts: DialOptions, streamUrl: string, signature = twilioSignature(opts.authToken, streamUrl)): Promise<WebSocket> {
    const path = new URL(streamUrl).pathname;
    const ws = new WebSocket(`${opts.httpUrl.replace(/^http/, 'ws')}${path}`, { headers: { 'x-twilio-signature': signature } });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  send(message: object): void {
    this.ws.send(JSON.stringify(message));
  }

  /** Streams u-law audio in 20 ms `media` messages, at `speed` × real time. */
  async sendUlaw(ulaw: Uint8Array, speed = 4): Promise<void> {
    for (let i = 0; i < ulaw.length; i += FRAME_BYTES) {
      this.sendFrame(ulaw.subarray(i, Math.min(i + FRAME_BYTES, ulaw.length)));
      if (this.#chunk % 5 === 0) await new Promise((r) => setTimeout(r, 100 / speed));
    }
  }

  /** One `media` message (20 ms of u-law, or less at the end). */
  sendFrame(ulaw: Uint8Array): void {
    const payload = Buffer.from(ulaw.buffer, ulaw.byteOffset, ulaw.byteLength).toString('base64');
    this.send({
      event: 'media', sequenceNumber: this.#nextSequence(), streamSid: this.streamSid,
      media: { track: 'inbound', chunk: String(++this.#chunk), timestamp: String(this.#chunk * FRAME_MS), payload },
    });
    this.line.framesSent++;
  }

  dtmf(digit: string): void {
    this.send({ event: 'dtmf', streamSid: this.streamSid, sequenceNumber: this.#nextSequence(), dtmf: { track: 'inbound_track', digit } });
  }

  /** The caller hangs up: Twilio sends `stop`, then closes. */
  hangUp(): void {
    this.send({ event: 'stop', sequenceNumber: this.#nextSequence(), streamSid: this.streamSid, stop: { accountSid: 'AC', callSid: this.callSid } });
    this.ws.close();
  }

  /** Stops the playback clock: the caller hears nothing more, and no more marks come back. */
  pausePlayback(): void {
    this.#paused = true;
  }

  resumePlayback(): void {
    this.#paused = false;
  }

  /** Milliseconds of agent audio played since the last `clear` (what the last echoed mark says). */
  get playedMs(): number {
    return this.#playedMs;
  }

  /** Where the last mark echoed since the last `clear` stands: what the gateway knows was heard. */
  get markedMs(): number {
    return this.#markedMs;
  }

  /** Milliseconds of agent audio received since the last `clear`. */
  get queuedMs(): number {
    return this.#receivedMs;
  }

  waitFor(predicate: (m: GatewayMessage) => boolean, timeoutMs = 20_000): Promise<GatewayMessage> {
    const seen = this.received.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; got ${this.received.length} messages`)), timeoutMs);
      this.#waiters.push({ predicate, resolve: (m) => { clearTimeout(timer); resolve(m); } });
    });
  }

  audioMs(): number {
    return this.audio.reduce((n, b) => n + b.length, 0) / 8;
  }

  #onMessage(message: GatewayMessage): void {
    if (this.#keep && this.received.length < MAX_KEPT) this.received.push(message);
    if (message.event === 'media' && message.media) {
      const bytes = Buffer.from(message.media.payload, 'base64');
      if (this.#keep && this.audio.length < MAX_KEPT) {
        this.audio.push(bytes);
        this.media.push({ payload: message.media.payload, startMs: this.#receivedMs, clears: this.clears });
      }
      this.#receivedMs += bytes.length / 8;
    } else if (message.event === 'mark' && message.mark) {
      this.#pendingMarks.push({ name: message.mark.name, atMs: this.#receivedMs });
      this.#play(0);
    } else if (message.event === 'clear') {
      // Twilio returns every pending mark at once when cleared.
      for (const mark of this.#pendingMarks) this.#echo(mark.name);
      this.#pendingMarks = [];
      this.#receivedMs = 0;
      this.#playedMs = 0;
      this.#markedMs = 0;
      this.clears++;
    }
    this.#waiters = this.#waiters.filter((w) => !(w.predicate(message) && (w.resolve(message), true)));
    this.onActivity?.(message);
  }

  #play(ms: number): void {
    if (this.#paused || this.ws.readyState !== WebSocket.OPEN) return;
    const played = Math.min(this.#receivedMs, this.#playedMs + ms);
    this.line.playedMs += played - this.#playedMs;
    this.#playedMs = played;
    while (this.#pendingMarks.length > 0 && this.#pendingMarks[0].atMs <= this.#playedMs) {
      const mark = this.#pendingMarks.shift()!;
      this.#markedMs = mark.atMs;
      this.#echo(mark.name);
    }
  }

  #echo(name: string): void {
    this.line.marksEchoed++;
    this.send({ event: 'mark', sequenceNumber: this.#nextSequence(), streamSid: this.streamSid, mark: { name } });
  }

  #nextSequence(): string {
    return String(++this.#sequence);
  }
}
