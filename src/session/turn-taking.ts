import type { Logger } from 'pino';
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import { base64ByteLength } from '../audio/base64.ts';
import { bytesPerMs, payloadMs } from '../audio/format.ts';
import type { EdgeTransport } from '../edges/edge.ts';
import { errorEvent } from '../edges/errors.ts';
import { VgError, type ErrorCode } from '../errors.ts';
import type { AgentAudioChunk, GatewayTransport } from './gateway-transport.ts';
import { PlaybackTracker, type Truncation } from './playback.ts';
import { SERVER_VAD, type SdkSessionConfig } from './sdk-session-config.ts';

export type Mode = 'vad' | 'ptt';

/** The backend refuses commits under 100 ms (input_audio_buffer_commit_empty). */
const MIN_COMMIT_MS = 100;

export interface TurnTakingDeps {
  edge: EdgeTransport;
  transport: GatewayTransport;
  config: SdkSessionConfig;
  log: Logger;
  /** A barge-in happened; with a truncation when the agent's audio was cut where the listener stopped. */
  onBargeIn: (truncation: Truncation | undefined) => void;
  /** The backend connection dropped while the agent's audio was still coming: it stops there. */
  onCutByDrop: (cut: Truncation) => void;
  /** An answer's first audio went to the listener `latencyMs` after the user's turn ended. */
  onTurnLatency: (latencyMs: number, itemId: string) => void;
}

/**
 * Who speaks when: hands-free (server VAD) or push-to-talk, and barge-in (clear the listener's
 * playback, cancel the answer, truncate it at what was heard). Every byte/ms figure comes from
 * the edge's audio format. An edge with no media (SIP) leaves playback and truncation to the
 * backend: a barge-in only cancels the answer, and the backend's `output_audio_buffer.*` events
 * say when the caller is hearing the agent.
 */
export class TurnTaking {
  readonly #edge: EdgeTransport;
  readonly #transport: GatewayTransport;
  readonly #config: SdkSessionConfig;
  readonly #log: Logger;
  readonly #onBargeIn: TurnTakingDeps['onBargeIn'];
  readonly #onTurnLatency: TurnTakingDeps['onTurnLatency'];
  readonly #onCutByDrop: TurnTakingDeps['onCutByDrop'];
  readonly #playback = new PlaybackTracker();
  /** When the user's last turn ended (speech stopped, push-to-talk released, text sent), until the agent is heard. */
  #userTurnEndedMs: number | undefined;
  #mode: Mode = 'vad';
  #pressed = false;
  #pressedBytes = 0;
  #activeResponse: string | undefined;
  /** The backend's own playback (no media at the gateway): between `output_audio_buffer.started` and `stopped`/`cleared`. */
  #backendPlaying = false;

  constructor(deps: TurnTakingDeps) {
    this.#edge = deps.edge;
    this.#transport = deps.transport;
    this.#config = deps.config;
    this.#log = deps.log;
    this.#onBargeIn = deps.onBargeIn;
    this.#onTurnLatency = deps.onTurnLatency;
    this.#onCutByDrop = deps.onCutByDrop;
  }

  get mode(): Mode {
    return this.#mode;
  }

  /** Microphone audio: forwarded, unless push-to-talk is on and not pressed. */
  microphone(payload: string): void {
    if (this.#mode === 'ptt') {
      if (!this.#pressed) return;
      this.#pressedBytes += base64ByteLength(payload);
    }
    this.#transport.appendAudio(payload);
  }

  press(): void {
    if (this.#mode !== 'ptt') this.setMode('ptt');
    this.interrupt(true);
    this.#transport.sendEvent({ type: 'input_audio_buffer.clear' });
    this.#pressed = true;
    this.#pressedBytes = 0;
  }

  release(): void {
    if (!this.#pressed) {
      this.#sendError('VG_ERR_PTT_NOT_PRESSED', 'ptt.stop without a ptt.start');
      return;
    }
    this.#pressed = false;
    const { media } = this.#edge;
    const heldMs = media === 'none' ? 0 : this.#pressedBytes / bytesPerMs(media.format);
    if (heldMs < MIN_COMMIT_MS) {
      this.#transport.sendEvent({ type: 'input_audio_buffer.clear' });
      this.#sendError('VG_ERR_PTT_TOO_SHORT', `held for ${Math.round(heldMs)} ms of audio; at least ${MIN_COMMIT_MS} ms is needed`);
      return;
    }
    this.#transport.sendEvent({ type: 'input_audio_buffer.commit' });
    this.#transport.requestResponse();
    this.userTurnEnded();
  }

  /** The user finished a turn: the next answer's first audio measures the turn's latency. */
  userTurnEnded(): void {
    this.#userTurnEndedMs = performance.now();
  }

  setMode(mode: Mode): void {
    if (mode !== this.#mode) {
      this.#mode = mode;
      this.#pressed = false;
      this.#config.turnDetection = mode === 'ptt' ? null : SERVER_VAD;
      // A partial update: only turn detection changes (null = push-to-talk).
      this.#transport.sendEvent({
        type: 'session.update',
        session: { type: 'realtime', audio: { input: { turn_detection: this.#config.turnDetection } } },
      });
      this.#log.info({ mode }, 'turn mode changed');
    }
    this.#edge.send({ type: 'mode', mode });
  }

  /**
   * The user took the turn (speech, a press, typed text). The answer in progress is stopped; and
   * if the listener was still hearing the agent, that is a barge-in: clear the edge's playback and
   * truncate the agent's item at what was heard. With nothing audible, nothing is cleared or counted.
   */
  interrupt(cancel: boolean): void {
    const active = this.#activeResponse;
    if (active) {
      if (cancel) this.#transport.cancelResponse();
      this.#playback.silence(active);
    }
    if (this.#edge.media === 'none') return;
    const heard = this.#edge.playedMs();
    if (!this.#playback.audible(heard)) return;
    const truncation = this.#playback.interrupt(heard);
    this.#onBargeIn(truncation);
    this.#edge.clearAudio();
    if (truncation) {
      this.#transport.sendEvent({
        type: 'conversation.item.truncate',
        item_id: truncation.itemId,
        content_index: truncation.contentIndex,
        audio_end_ms: truncation.audioEndMs,
      });
      this.#log.debug({ item: truncation.itemId, audio_end_ms: truncation.audioEndMs }, 'agent audio truncated');
      this.#edge.send({ type: 'turn.cut', item_id: truncation.itemId, heard_ms: truncation.audioEndMs, cause: 'barge_in' });
    }
  }

  /** Agent audio on its way to the listener: its length in ms, or undefined when it belongs to an interrupted answer. */
  agentAudio(chunk: AgentAudioChunk): number | undefined {
    const { media } = this.#edge;
    if (media === 'none') return undefined; // the backend plays it; nothing to relay
    const ms = payloadMs(media.format, chunk.payload);
    if (!this.#playback.record(chunk.responseId, chunk.itemId, chunk.contentIndex, ms)) return undefined;
    if (this.#userTurnEndedMs !== undefined) {
      this.#onTurnLatency(Math.round(performance.now() - this.#userTurnEndedMs), chunk.itemId);
      this.#userTurnEndedMs = undefined;
    }
    return ms;
  }

  /** Whether the agent is answering or still being heard. */
  busy(): boolean {
    if (this.#activeResponse !== undefined || this.#backendPlaying) return true;
    return this.#edge.media !== 'none' && this.#playback.audible(this.#edge.playedMs());
  }

  /**
   * The backend connection dropped: no response is active any more, and the one that was has
   * been cut off. Returns whether one was (the agent then owes the caller the rest). When the
   * agent's audio was still coming, the listener is told where it stops, as after a barge-in.
   */
  connectionLost(): boolean {
    const answering = this.#activeResponse !== undefined;
    this.#activeResponse = undefined;
    this.#backendPlaying = false;
    const cut = this.#playback.connectionLost();
    if (cut) {
      this.#edge.send({ type: 'turn.cut', item_id: cut.itemId, heard_ms: cut.audioEndMs, cause: 'backend_dropped' });
      this.#onCutByDrop(cut);
    }
    return answering;
  }

  serverEvent(event: RealtimeServerEvent): void {
    if (event.type === 'input_audio_buffer.speech_stopped') {
      this.userTurnEnded();
    } else if (event.type === 'response.created') {
      if (event.response.conversation_id !== null) this.#activeResponse = event.response.id;
    } else if (event.type === 'response.done') {
      if (this.#activeResponse === event.response.id) this.#activeResponse = undefined;
      const finished = event.response.id ? this.#playback.responseDone(event.response.id) : undefined;
      // The final transcript comes long before the last audio is played: this is the device's cue
      // that the agent will have finished speaking once it has played what it holds.
      if (finished) this.#edge.send({ type: 'audio.done', item_id: finished.itemId, audio_ms: Math.round(finished.deliveredMs) });
    } else if (event.type === 'response.output_audio.done') {
      this.#playback.audioDone(event.item_id, event.content_index);
    } else if (event.type === 'output_audio_buffer.started') {
      this.#backendPlaying = true;
    } else if (event.type === 'output_audio_buffer.stopped' || event.type === 'output_audio_buffer.cleared') {
      this.#backendPlaying = false;
    }
  }

  #sendError(code: ErrorCode, detail: string): void {
    this.#edge.send(errorEvent(new VgError(code, detail)));
  }
}
