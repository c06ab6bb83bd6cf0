import type { Logger } from 'pino';
import { base64ByteLength } from '../../audio/base64.ts';
import { bytesPerMs } from '../../audio/format.ts';
import type { EdgeTransport } from '../../edges/edge.ts';
import { errorEvent } from '../../edges/errors.ts';
import { VgError } from '../../errors.ts';
import { PlaybackTracker } from '../playback.ts';
import type { Mode } from '../turn-taking.ts';
import type { LiveLink } from './live-link.ts';

export interface LiveTurnsDeps {
  edge: EdgeTransport;
  link: LiveLink;
  log: Logger;
  onBargeIn: () => void;
  onTurnLatency: (latencyMs: number, itemId: string) => void;
}

/**
 * Turn-taking on GPT-Live, where the model owns it (§2.2): hands-free is the model's own;
 * push-to-talk is approximated by muting the model's input while the button is up (it still
 * chooses when to answer); a barge-in only flushes the edge's playback (there is no response to
 * cancel and nothing to truncate, §5.1). The microphone streams on throughout, as the model
 * needs continuous input: muted audio reaches it as silence.
 */
export class LiveTurns {
  readonly #deps: LiveTurnsDeps;
  readonly #playback = new PlaybackTracker();
  #mode: Mode = 'vad';
  #pressed = false;
  /** A new playback "item" after each barge-in: the tracker forgets what it cut. */
  #utterance = 0;
  #userTurnEndedMs: number | undefined;
  /** Agent audio handed to the edge since the agent's last turn ended. */
  #turnAudioMs = 0;
  /** When the backend last sent agent audio (performance clock). */
  #agentAudioAtMs = -Infinity;

  constructor(deps: LiveTurnsDeps) {
    this.#deps = deps;
  }

  get mode(): Mode {
    return this.#mode;
  }

  microphone(payload: string): void {
    this.#deps.link.appendAudio(payload);
  }

  press(): void {
    if (this.#mode !== 'ptt') this.setMode('ptt');
    this.#flush();
    this.#pressed = true;
    this.#deps.link.send({ type: 'session.input_audio.unmute' });
  }

  release(): void {
    if (!this.#pressed) {
      this.#deps.edge.send(errorEvent(new VgError('VG_ERR_PTT_NOT_PRESSED', 'ptt.stop without a ptt.start')));
      return;
    }
    this.#pressed = false;
    this.#deps.link.send({ type: 'session.input_audio.mute' });
    this.userTurnEnded();
  }

  setMode(mode: Mode): void {
    if (mode !== this.#mode) {
      this.#mode = mode;
      this.#pressed = false;
      this.#deps.link.send({ type: mode === 'ptt' ? 'session.input_audio.mute' : 'session.input_audio.unmute' });
      this.#deps.log.info({ mode }, 'turn mode changed');
    }
    this.#deps.edge.send({ type: 'mode', mode });
  }

  /** A backend session started: a new one starts unmuted, so push-to-talk (the button up) mutes it again. */
  sessionStarted(): void {
    if (this.#mode === 'ptt' && !this.#pressed) this.#deps.link.send({ type: 'session.input_audio.mute' });
  }

  userTurnEnded(): void {
    this.#userTurnEndedMs = performance.now();
  }

  /** The caller is speaking (an input transcript delta): over the agent's audio, that is a barge-in. */
  callerSpeech(): void {
    this.#flush();
    this.userTurnEnded();
  }

  /** Agent audio on its way to the listener. */
  agentAudio(payload: string): void {
    const { media } = this.#deps.edge;
    if (media === 'none') return;
    const ms = base64ByteLength(payload) / bytesPerMs(media.format);
    this.#agentAudioAtMs = performance.now();
    this.#playback.record(`live_${this.#utterance}`, `live_${this.#utterance}`, 0, ms);
    this.#turnAudioMs += ms;
    if (this.#userTurnEndedMs !== undefined) {
      this.#deps.onTurnLatency(Math.round(performance.now() - this.#userTurnEndedMs), `live_${this.#utterance}`);
      this.#userTurnEndedMs = undefined;
    }
    this.#deps.edge.sendAudio(payload);
  }

  /** The agent's turn is over (its transcript turn closed): the device's cue, as `response.done` is on Realtime. */
  agentTurnEnded(itemId: string): void {
    if (this.#deps.edge.media === 'none' || this.#turnAudioMs === 0) return;
    this.#deps.edge.send({ type: 'audio.done', item_id: itemId, audio_ms: Math.round(this.#turnAudioMs) });
    this.#turnAudioMs = 0;
  }

  /** Whether the backend was still sending the agent's audio moments ago (a drop now cuts the agent off). */
  agentSpeaking(withinMs = 500): boolean {
    return performance.now() - this.#agentAudioAtMs < withinMs;
  }

  busy(): boolean {
    return this.#deps.edge.media !== 'none' && this.#playback.audible(this.#deps.edge.playedMs());
  }

  #flush(): void {
    const { edge } = this.#deps;
    if (edge.media === 'none' || !this.#playback.audible(edge.playedMs())) return;
    this.#playback.interrupt(edge.playedMs());
    this.#utterance++;
    edge.clearAudio();
    this.#deps.onBargeIn();
  }
}
