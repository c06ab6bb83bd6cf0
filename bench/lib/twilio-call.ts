import WebSocket from 'ws';
import { randomBytes } from 'node:crypto';
import { parseStreamTwiml, postVoiceWebhook, twilioSignature } from '../../src/converse/twilio-phone.ts';

/**
 * One simulated phone call, as Twilio plays it: the signed voice webhook (gateway only), then a
 * Media Stream with Twilio's own message shapes, and each mark echoed back once the audio queued
 * before it would have finished playing on the phone.
 */

export interface Webhook {
  token: string;
  /** The public origin the relay signs against, as Twilio would see it (https://…). */
  publicUrl: string;
}

export interface DialOptions {
  /** http://127.0.0.1:<port> of the relay under test. */
  origin: string;
  /** For the gateway: the call starts with the voice webhook; its TwiML names the stream. */
  webhook?: Webhook;
  accountSid: string;
  from: string;
  /** Each media payload the relay sends, base64 as it arrived. */
  onAudio: (payload: string, at: number) => void;
}

interface Outbound {
  event: string;
  media?: { payload: string };
  mark?: { name: string };
}

const MULAW_BYTES_PER_MS = 8;
export const hex32 = (): string => randomBytes(16).toString('hex');

export class Call {
  /** Why the relay closed the stream before we hung up, if it did. */
  droppedBy?: string;
  /** Event names the relay sent that a Twilio stream does not carry to the caller. */
  readonly unexpected = new Set<string>();
  #seq = 0;
  #chunk = 0;
  #playEnd = 0;
  #marks: { name: string; due: number }[] = [];
  #hungUp = false;

  constructor(readonly ws: WebSocket, readonly streamSid: string, onAudio: (payload: string, at: number) => void) {
    ws.on('message', (data) => {
      const now = performance.now();
      const message = JSON.parse(data.toString()) as Outbound;
      if (message.event === 'media' && message.media) {
        // The phone's playout clock: audio plays in arrival order, each byte an eighth of a ms.
        this.#playEnd = Math.max(now, this.#playEnd) + Buffer.byteLength(message.media.payload, 'base64') / MULAW_BYTES_PER_MS;
        onAudio(message.media.payload, now);
      } else if (message.event === 'mark' && message.mark) {
        this.#marks.push({ name: message.mark.name, due: Math.max(now, this.#playEnd) });
      } else if (message.event === 'clear') {
        // Twilio drops the queued audio and returns every pending mark at once.
        this.#playEnd = now;
        for (const mark of this.#marks) mark.due = now;
      } else {
        this.unexpected.add(message.event);
      }
    });
    ws.on('error', (err) => {
      this.droppedBy ??= `error ${err.message}`;
    });
    ws.on('close', (code, reason) => {
      if (!this.#hungUp) this.droppedBy ??= `close ${code} ${reason.toString()}`.trim();
    });
  }

  start(accountSid: string, callSid: string, customParameters: Record<string, string>): void {
    this.ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
    const mediaFormat = { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 };
    const start = { accountSid, streamSid: this.streamSid, callSid, tracks: ['inbound'], customParameters, mediaFormat };
    this.ws.send(JSON.stringify({ event: 'start', sequenceNumber: String(++this.#seq), start, streamSid: this.streamSid }));
  }

  /** One 20 ms frame; the timestamp is media time, as Twilio's is, so a relay sees no gaps to pad. */
  sendAudio(payload: string): void {
    const chunk = ++this.#chunk;
    this.ws.send(`{"event":"media","sequenceNumber":"${++this.#seq}","media":{"track":"inbound","chunk":"${chunk}","timestamp":"${(chunk - 1) * 20}","payload":"${payload}"},"streamSid":"${this.streamSid}"}`);
  }

  /** Returns the marks whose audio has played by `now`. */
  flushMarks(now: number): void {
    while (this.#marks.length > 0 && this.#marks[0].due <= now) {
      const { name } = this.#marks.shift()!;
      this.ws.send(`{"event":"mark","sequenceNumber":"${++this.#seq}","streamSid":"${this.streamSid}","mark":{"name":${JSON.stringify(name)}}}`);
    }
  }

  hangUp(accountSid: string, callSid: string): Promise<void> {
    this.#hungUp = true;
    if (this.ws.readyState !== WebSocket.OPEN) return Promise.resolve();
    this.ws.send(JSON.stringify({ event: 'stop', sequenceNumber: String(++this.#seq), streamSid: this.streamSid, stop: { accountSid, callSid } }));
    const closed = new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
    this.ws.close();
    return closed;
  }
}

/** Places a call: the webhook if there is one, then the stream socket and its `connected` and `start`. */
export async function dial(options: DialOptions): Promise<{ call: Call; callSid: string }> {
  const callSid = `CA${hex32()}`;
  const wsOrigin = options.origin.replace('http', 'ws');
  const stream = options.webhook
    ? await voiceWebhook(options.origin, options.webhook, { CallSid: callSid, AccountSid: options.accountSid, From: options.from, To: '+15550100000', CallStatus: 'ringing', Direction: 'inbound' })
    : { url: `${wsOrigin}/twilio/media`, parameters: {} };
  // Twilio connects to the URL the TwiML names and signs that URL; here it is reached locally.
  const target = new URL(stream.url);
  const headers: Record<string, string> = options.webhook ? { 'x-twilio-signature': twilioSignature(options.webhook.token, stream.url) } : {};
  const ws = new WebSocket(`${wsOrigin}${target.pathname}${target.search}`, { headers });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
    ws.once('unexpected-response', (req, res) => {
      req.destroy();
      reject(new Error(`stream upgrade to ${stream.url} answered HTTP ${res.statusCode}`));
    });
  });
  const call = new Call(ws, `MZ${hex32()}`, options.onAudio);
  call.start(options.accountSid, callSid, stream.parameters);
  return { call, callSid };
}

async function voiceWebhook(origin: string, webhook: Webhook, params: Record<string, string>): Promise<{ url: string; parameters: Record<string, string> }> {
  const res = await postVoiceWebhook({ httpUrl: origin, publicUrl: webhook.publicUrl, authToken: webhook.token }, params);
  const twiml = await res.text();
  if (!res.ok) throw new Error(`POST /twilio/voice answered HTTP ${res.status}: ${twiml}`);
  return parseStreamTwiml(twiml);
}
