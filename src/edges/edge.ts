import type { EventEmitter } from 'node:events';

/**
 * What every client edge (browser WebRTC, kiosk WebSocket, phone) offers the session core.
 * Audio crossing this interface is always PCM16 mono little-endian at 24 kHz; each edge converts
 * its own transport's audio at its border.
 */

/** Control messages a client may send (the kiosk protocol, also carried by the WebRTC data channel). */
export type ClientControl =
  | { type: 'ptt.start' }
  | { type: 'ptt.stop' }
  | { type: 'input_text'; text: string }
  | { type: 'mode'; mode: 'vad' | 'ptt' }
  | { type: 'playback'; played_ms: number }
  | { type: 'hangup' };

/** Events the gateway sends to a client. */
export type ClientEvent =
  | { type: 'session.ready'; session_id: string; agent: string; state: string; mode: 'vad' | 'ptt'; graph: StateGraph }
  | { type: 'transcript'; role: 'user' | 'assistant'; text: string; final: boolean; item_id: string }
  /** `graph` comes with a handoff, when the agent (and so the graph) changes. */
  | { type: 'state.changed'; from: string; to: string; agent: string; graph?: StateGraph }
  | { type: 'tool.call'; name: string; call_id: string; arguments: string }
  | { type: 'tool.result'; name: string; call_id: string; output: string; error: boolean; duration_ms: number }
  | { type: 'audio.clear' }
  | { type: 'mode'; mode: 'vad' | 'ptt' }
  | { type: 'error'; code: string; message: string }
  | { type: 'session.ended'; reason: string };

/** The state graph of the current agent, for display. */
export interface StateGraph {
  agent: string;
  states: { id: string; description: string }[];
  transitions: { from: string; to: string; condition: string }[];
}

/** How many sessions one client address may open per time window (enforced by @fastify/rate-limit). */
export interface SessionRateLimit {
  max: number;
  timeWindowMs: number;
}

export interface EdgeEvents {
  /** PCM16 24 kHz mono from the listener's microphone. */
  audio: [pcm: Buffer];
  control: [message: ClientControl];
  /** The edge is gone (socket closed, peer failed); the session must end. */
  close: [reason: string];
}

export interface EdgeTransport extends EventEmitter<EdgeEvents> {
  readonly kind: 'kiosk' | 'webrtc' | 'twilio';
  /**
   * True when the edge itself reports playback position (kiosk `playback` frames, Twilio marks);
   * false when it measures what it sent in real time (WebRTC), which it then reports itself.
   */
  readonly reportsPlayback: boolean;
  /** Queue agent audio (PCM16 24 kHz) for the listener. */
  sendAudio(pcm: Buffer): void;
  /** Drop all agent audio not yet heard (barge-in). */
  clearAudio(): void;
  /** Milliseconds of agent audio the listener has heard since the edge started or last cleared. */
  playedMs(): number;
  send(event: ClientEvent): void;
  close(reason: string): void;
}
