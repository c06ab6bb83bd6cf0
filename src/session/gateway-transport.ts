import WebSocket from 'ws';
import { OpenAIRealtimeWebSocket, type RealtimeClientMessage } from '@openai/agents/realtime';
import { isBase64 } from '../audio/base64.ts';
import { HeldOutbox, type HoldLimits } from './held-outbox.ts';
import { watchLiveness } from './liveness.ts';
import { withoutAudioFormats } from './sdk-session-config.ts';

/** One chunk of agent audio, taken off the socket before the SDK sees it. */
export interface AgentAudioChunk {
  responseId: string;
  itemId: string;
  contentIndex: number;
  /** The backend's base64 payload, untouched. */
  payload: string;
}

export interface GatewayTransportOptions {
  url: string;
  /** Agent audio, straight from the socket. */
  onAudio: (chunk: AgentAudioChunk) => void;
  /** An audio event the backend got wrong; it is dropped, and the call goes on. */
  onMalformedAudio: (problem: string) => void;
  /** Handling a backend event threw (a malformed event the SDK did not catch); the call goes on. */
  onMalformedEvent: (err: unknown) => void;
  /**
   * Barge-in: the user started speaking (server VAD) or pressed to talk. `cancel` says whether the
   * response in progress must be cancelled by the client (false when the server cancels it itself).
   */
  onInterrupt: (cancel: boolean) => void;
  /** A tool output leaving for the backend (the conversation log keeps it in case the link drops). */
  onToolOutput?: (callId: string, output: string) => void;
  /** What may wait while the link is being restored. */
  holdLimits?: HoldLimits;
  /** Longest wait for the backend's WebSocket upgrade. */
  handshakeTimeoutMs?: number;
  /**
   * The connection is pinged this often; one that has sent nothing (not even the pong) by the next
   * ping is taken for dead and cut, so the link reconnects. 0: no pings.
   */
  pingIntervalMs?: number;
  /** False when the edge carries no audio: session updates then leave the formats to the backend. */
  configuresAudioFormats?: boolean;
}

/** Meaningless on a restored connection (the items they name are re-created as text). */
const DROPPED_WHILE_HELD = new Set<RealtimeClientMessage['type']>(['conversation.item.truncate', 'response.cancel']);
const DEFAULT_HOLD: HoldLimits = { maxAudioChars: 64 * 1024, maxEvents: 64 };

const AUDIO_DELTA = '"response.output_audio.delta"';

/** An audio delta as it comes off the wire: nothing in it is trusted until checked. */
interface UncheckedAudioDelta {
  type?: unknown;
  response_id?: unknown;
  item_id?: unknown;
  content_index?: unknown;
  delta?: unknown;
}

/**
 * The SDK's WebSocket transport with the audio path taken off its slow path. The SDK parses every
 * server event twice with zod; at 25-50 audio deltas a second per session that doubled the CPU of
 * a bare relay (see bench/). Audio deltas are recognised by their type token (base64 has no quotes,
 * so the quoted token can only be the event type), parsed once, and handed to `onAudio`; the SDK
 * keeps everything else: tools, handoffs, history, transcripts.
 *
 * Since the SDK no longer sees audio, it cannot time interruptions itself; the gateway knows what
 * the listener really heard, so `interrupt` is delegated to it.
 */
export class GatewayTransport extends OpenAIRealtimeWebSocket {
  readonly #onInterrupt: (cancel: boolean) => void;
  readonly #onToolOutput: ((callId: string, output: string) => void) | undefined;
  readonly #holdLimits: HoldLimits;
  readonly #configuresAudioFormats: boolean;
  /** Set while the link is down or being restored: what the session sends waits here. */
  #held: HeldOutbox | undefined;

  constructor(opts: GatewayTransportOptions) {
    super({
      url: opts.url,
      // No permessage-deflate: base64 audio barely compresses, and deflating every frame of every
      // session would cost the relay more CPU than everything else it does.
      createWebSocket: async ({ url, apiKey }) => new AudioFastPathSocket(url, {
        headers: { Authorization: `Bearer ${apiKey}` },
        perMessageDeflate: false,
        handshakeTimeout: opts.handshakeTimeoutMs ?? 10_000,
      }, opts),
    });
    this.#onInterrupt = opts.onInterrupt;
    this.#onToolOutput = opts.onToolOutput;
    this.#holdLimits = opts.holdLimits ?? DEFAULT_HOLD;
    this.#configuresAudioFormats = opts.configuresAudioFormats ?? true;
  }

  get held(): HeldOutbox | undefined {
    return this.#held;
  }

  /** From now on, what the session sends waits (the connection dropped). */
  hold(): void {
    this.#held ??= new HeldOutbox(this.#holdLimits);
  }

  /** Sends an event past the hold: the restore itself, on the new connection. */
  sendRestoring(event: RealtimeClientMessage): void {
    super.sendEvent(event);
  }

  /**
   * The link is back: sends what waited, in order, and goes live again. Tool outputs the restore
   * already carried (`restoredOutputs`, by call id) are not sent a second time.
   */
  release(restoredOutputs: ReadonlySet<string>): HeldOutbox | undefined {
    const held = this.#held;
    this.#held = undefined;
    for (const item of held?.take() ?? []) {
      if (item.kind === 'audio') this.appendAudio(item.payload);
      else if (item.kind === 'response') this.requestResponse(item.response);
      else if (!isOutputOf(item.event, restoredOutputs)) this.sendEvent(item.event);
    }
    return held;
  }

  override sendEvent(event: RealtimeClientMessage): void {
    // The SDK fills in PCM16 formats wherever none is configured.
    if (!this.#configuresAudioFormats && event.type === 'session.update') event = { ...event, session: withoutAudioFormats(event.session) };
    if (event.type === 'conversation.item.create' && event.item.type === 'function_call_output') {
      this.#onToolOutput?.(event.item.call_id, event.item.output);
    }
    const held = this.#held;
    // A session.update on a live socket goes at once, even mid-restore: it is the restore's config.
    if (held && !(event.type === 'session.update' && this.status === 'connected')) {
      if (!DROPPED_WHILE_HELD.has(event.type)) held.push({ kind: 'event', event });
      return;
    }
    super.sendEvent(event);
  }

  override requestResponse(response?: Record<string, unknown>): void {
    if (this.#held) {
      this.#held.push({ kind: 'response', response });
      return;
    }
    super.requestResponse(response);
  }

  override interrupt(cancelOngoingResponse = true): void {
    this.#onInterrupt(cancelOngoingResponse);
    this.emit('audio_interrupted');
  }

  /**
   * Cancels the response in progress. The SDK's only way is its underscore method (it also tracks
   * the cancel so a late `response.done` is not an error); kept here, the one caller of it. If the
   * SDK changes it, tsc and kiosk-ptt.test.ts (`response.cancel` on the wire at a press) fail.
   */
  cancelResponse(): void {
    if (!this.#held) this._cancelResponse();
  }

  /**
   * Input audio without the SDK's ArrayBuffer round trip: one string build, one send. `payload`
   * is base64 (edges check theirs), so it needs no JSON escaping.
   */
  appendAudio(payload: string): void {
    if (this.#held) {
      this.#held.push({ kind: 'audio', payload });
      return;
    }
    const ws = this.connectionState.websocket;
    if (this.status !== 'connected' || !ws) return;
    ws.send(`{"type":"input_audio_buffer.append","audio":"${payload}"}`);
  }
}

function isOutputOf(event: RealtimeClientMessage, callIds: ReadonlySet<string>): boolean {
  return event.type === 'conversation.item.create' && event.item.type === 'function_call_output' && callIds.has(event.item.call_id);
}

type MessageListener = (event: WebSocket.MessageEvent) => void;

type AudioHandlers = Pick<GatewayTransportOptions, 'onAudio' | 'onMalformedAudio' | 'onMalformedEvent' | 'pingIntervalMs'>;

class AudioFastPathSocket extends WebSocket {
  readonly #handlers: AudioHandlers;

  constructor(url: string, options: WebSocket.ClientOptions, handlers: AudioHandlers) {
    super(url, options);
    this.#handlers = handlers;
    const pingMs = handlers.pingIntervalMs ?? 0;
    // A silent backend is cut (1006): the SDK sees the disconnect and the link reconnects.
    if (pingMs > 0) this.once('open', () => watchLiveness(this, pingMs));
  }

  override addEventListener<K extends keyof WebSocket.WebSocketEventMap>(
    type: K,
    listener: ((event: WebSocket.WebSocketEventMap[K]) => void) | { handleEvent(event: WebSocket.WebSocketEventMap[K]): void },
    options?: WebSocket.EventListenerOptions,
  ): void {
    if (type !== 'message' || typeof listener !== 'function') {
      super.addEventListener(type, listener, options);
      return;
    }
    const forward = listener as MessageListener;
    super.addEventListener('message', (event: WebSocket.MessageEvent) => {
      if (typeof event.data === 'string' && event.data.includes(AUDIO_DELTA)) {
        const outcome = this.#takeAudio(event.data);
        if (outcome === 'taken') return;
        if (outcome !== 'not_audio') {
          this.#handlers.onMalformedAudio(outcome);
          return;
        }
      }
      try {
        forward(event);
      } catch (err) {
        // The SDK's own handling (and the session's listeners under it) threw on this event: a
        // backend event that breaks an assumption costs that event, never the process.
        this.#handlers.onMalformedEvent(err);
      }
    }, options);
  }

  /** Hands a well-formed audio delta to the session; says what was wrong with a bad one. */
  #takeAudio(text: string): 'taken' | 'not_audio' | string {
    let parsed: UncheckedAudioDelta;
    try {
      parsed = JSON.parse(text) as UncheckedAudioDelta;
    } catch {
      return 'response.output_audio.delta is not valid JSON';
    }
    if (parsed?.type !== 'response.output_audio.delta') return 'not_audio';
    const { response_id: responseId, item_id: itemId, content_index: contentIndex, delta } = parsed;
    if (typeof delta !== 'string' || !isBase64(delta)) return 'response.output_audio.delta: delta is not a base64 string';
    if (typeof responseId !== 'string' || typeof itemId !== 'string' || !Number.isInteger(contentIndex)) {
      return 'response.output_audio.delta: response_id, item_id or content_index missing';
    }
    this.#handlers.onAudio({ responseId, itemId, contentIndex: contentIndex as number, payload: delta });
    return 'taken';
  }
}
