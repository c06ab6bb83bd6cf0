import type { EventEmitter } from 'node:events';
import type { CallAcceptParams } from 'openai/resources/realtime/calls';
import type { SessionAcceptParams } from 'openai/resources/live/sessions';
import type { AudioFormat } from '../audio/format.ts';

/**
 * What every client edge (browser WebRTC, kiosk WebSocket, phone) offers the session core.
 * Audio crosses this interface as the Realtime protocol's base64 payload, in the format the edge
 * declares in `media`: the phone passes its payloads through untouched, and the other edges do
 * the one conversion they need at their border.
 */

/** The audio an edge carries. The session derives the backend's formats and every byte/ms figure from it. */
export interface AudioMedia {
  readonly format: AudioFormat;
}

/**
 * `'none'`: no audio crosses the gateway (a SIP call: it flows between the carrier and the
 * backend, which owns playback and truncation). The session configures no formats then.
 */
export type EdgeMedia = AudioMedia | 'none';

/** What an edge knows of the caller (a phone call's numbers); the agent sees it as context. */
export interface CallerDetails {
  /** The caller's number, E.164 as the carrier gave it. */
  readonly from?: string;
  /** The number the caller dialled. */
  readonly to?: string;
}

/** Control messages a client may send (the kiosk protocol, also carried by the WebRTC data channel). */
export type ClientControl =
  | { type: 'ptt.start' }
  | { type: 'ptt.stop' }
  | { type: 'input_text'; text: string }
  | { type: 'mode'; mode: 'vad' | 'ptt' }
  /** `epoch`: the `audio.clear` the count restarted at (0 before any); optional for older devices. */
  | { type: 'playback'; played_ms: number; epoch?: number }
  /** A keypad digit (0-9, *, #) the caller pressed. */
  | { type: 'dtmf'; digit: string }
  /** The answer to a `tool.approval` request. */
  | { type: 'tool.approval'; request_id: string; approve: boolean }
  | { type: 'hangup' };

/** Events the gateway sends to a client. */
export type ClientEvent =
  | { type: 'session.ready'; session_id: string; agent: string; state: string; mode: 'vad' | 'ptt'; graph: StateGraph }
  | { type: 'transcript'; role: 'user' | 'assistant'; text: string; final: boolean; item_id: string }
  /** `graph` comes with a handoff, when the agent (and so the graph) changes; `slots`: the values collected so far. */
  | { type: 'state.changed'; from: string; to: string; agent: string; graph?: StateGraph; slots: Record<string, unknown> }
  /** The values collected so far changed (a move carried them, or a tool set one). */
  | { type: 'slots.changed'; slots: Record<string, unknown> }
  /** `server`: the label of the remote MCP server the backend called (absent for the agent's own tools). */
  | { type: 'tool.call'; name: string; call_id: string; arguments: string; server?: string }
  | { type: 'tool.result'; name: string; call_id: string; output: string; error: boolean; duration_ms: number; server?: string }
  /** The agent wants to call an MCP tool that needs approval: answer with a `tool.approval` control message. */
  | { type: 'tool.approval'; request_id: string; server: string; name: string; arguments: string; timeout_ms: number }
  /** The request is decided (by the client, or denied at its timeout): the prompt can go. */
  | { type: 'tool.approval.decided'; request_id: string; approved: boolean; by: 'client' | 'timeout' }
  /** The caller cut the agent's item off (barge-in) after hearing `heard_ms` of it: its transcript runs on past what was said. */
  | { type: 'turn.cut'; item_id: string; heard_ms: number; cause: 'barge_in' | 'backend_dropped' }
  /** All of the agent's audio for this turn has been sent (`audio_ms` in all): once played, the agent has finished speaking. */
  | { type: 'audio.done'; item_id: string; audio_ms: number }
  /** `epoch` counts the clears of the session (1, 2, …); playback reports echo it. */
  | { type: 'audio.clear'; epoch: number }
  | { type: 'mode'; mode: 'vad' | 'ptt' }
  | { type: 'error'; code: string; message: string }
  | { type: 'session.ended'; reason: string }
  /** The backend connection dropped; the gateway is restoring it (the agent pauses). */
  | { type: 'backend.reconnecting' }
  /** Restored: the call goes on with its history. */
  | { type: 'backend.restored' };

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
  /** Microphone audio: a base64 payload in the edge's `media.format`. */
  audio: [payload: string];
  control: [message: ClientControl];
  /** The edge is gone (socket closed, peer failed); the session must end. */
  close: [reason: string];
}

export interface EdgeTransport extends EventEmitter<EdgeEvents> {
  readonly kind: 'kiosk' | 'webrtc' | 'twilio' | 'sip';
  readonly media: EdgeMedia;
  readonly caller?: CallerDetails;
  /**
   * For a call that must be answered with its session configuration before the backend connection
   * opens (a SIP call, accepted through the Calls API). Rejects when the call cannot be answered.
   */
  acceptCall?(session: CallAcceptParams): Promise<void>;
  /** The same on GPT-Live: `POST /v1/live/sessions/{id}/accept` with the session's startup configuration. */
  acceptLiveCall?(session: SessionAcceptParams.Session): Promise<void>;
  /** Transfers the call to a person at a `sip:`/`tel:` URI; only edges that can do it have it. */
  transfer?(targetUri: string): Promise<void>;
  /** Queue agent audio for the listener: a base64 payload in `media.format`. */
  sendAudio(payload: string): void;
  /** Drop all agent audio not yet heard (barge-in). */
  clearAudio(): void;
  /** Milliseconds of agent audio the listener has heard since the edge started or last cleared. */
  playedMs(): number;
  send(event: ClientEvent): void;
  close(reason: string): void;
}
