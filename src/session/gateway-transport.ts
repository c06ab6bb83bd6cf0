import WebSocket from 'ws';
import { OpenAIRealtimeWebSocket } from '@openai/agents/realtime';

/** One chunk of agent audio, taken off the socket before the SDK sees it. */
export interface AgentAudioChunk {
  responseId: string;
  itemId: string;
  contentIndex: number;
  audio: Buffer;
}

export interface GatewayTransportOptions {
  url: string;
  /** Agent audio, straight from the socket. */
  onAudio: (chunk: AgentAudioChunk) => void;
  /**
   * Barge-in: the user started speaking (server VAD) or pressed to talk. `cancel` says whether the
   * response in progress must be cancelled by the client (false when the server cancels it itself).
   */
  onInterrupt: (cancel: boolean) => void;
}

const AUDIO_DELTA = '"response.output_audio.delta"';

interface AudioDeltaEvent {
  type: string;
  response_id: string;
  item_id: string;
  content_index: number;
  delta: string;
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

  constructor(opts: GatewayTransportOptions) {
    super({
      url: opts.url,
      // No permessage-deflate: base64 audio barely compresses, and deflating every frame of every
      // session would cost the relay more CPU than everything else it does.
      createWebSocket: async ({ url, apiKey }) => new AudioFastPathSocket(
        url, { headers: { Authorization: `Bearer ${apiKey}` }, perMessageDeflate: false }, opts.onAudio,
      ),
    });
    this.#onInterrupt = opts.onInterrupt;
  }

  override interrupt(cancelOngoingResponse = true): void {
    this.#onInterrupt(cancelOngoingResponse);
    this.emit('audio_interrupted');
  }

  /** Input audio without the SDK's ArrayBuffer round trip: one string build, one send. */
  appendAudio(pcm: Buffer): void {
    const ws = this.connectionState.websocket;
    if (this.status !== 'connected' || !ws) return;
    ws.send(`{"type":"input_audio_buffer.append","audio":"${pcm.toString('base64')}"}`);
  }
}

type MessageListener = (event: WebSocket.MessageEvent) => void;

class AudioFastPathSocket extends WebSocket {
  readonly #onAudio: (chunk: AgentAudioChunk) => void;

  constructor(url: string, options: WebSocket.ClientOptions, onAudio: (chunk: AgentAudioChunk) => void) {
    super(url, options);
    this.#onAudio = onAudio;
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
        const parsed = JSON.parse(event.data) as AudioDeltaEvent;
        if (parsed.type === 'response.output_audio.delta') {
          this.#onAudio({
            responseId: parsed.response_id,
            itemId: parsed.item_id,
            contentIndex: parsed.content_index,
            audio: Buffer.from(parsed.delta, 'base64'),
          });
          return;
        }
      }
      forward(event);
    }, options);
  }
}
