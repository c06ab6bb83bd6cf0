import diagnostics_channel from 'node:diagnostics_channel';

/**
 * What a session reports about itself, for metrics, tracing and call records. Publishers check
 * `hasSubscribers` first, so with nobody listening an event costs one property read.
 * Some facts carry personal data (caller numbers, transcripts, tool arguments and results): the
 * channels are in-process only, and subscribers must not log those fields at info level.
 */
export interface SessionStarted {
  sessionId: string;
  edge: string;
  agent: string;
  state: string;
  /** What the edge knows of the caller (a phone call's numbers). */
  caller?: { readonly from?: string; readonly to?: string };
}
export interface SessionEnded { sessionId: string; edge: string; reason: string; durationMs: number }
export interface ToolFinished {
  sessionId: string;
  tool: string;
  ok: boolean;
  durationMs: number;
  errorCode?: string;
  callId: string;
  /** The model's arguments (JSON text) and what the model was answered. */
  arguments: string;
  output: string;
}
/** `slots`: the values the conversation has collected once the move is made (personal data: never log them). */
export interface StateChanged { sessionId: string; agent: string; from: string; to: string; handoff: boolean; slots: Record<string, unknown> }
/** With `truncated`, the agent's item `itemId` was cut at `heardMs`: what the listener had heard of it. */
export interface BargeIn { sessionId: string; edge: string; truncated: boolean; itemId?: string; heardMs?: number }
/** A final transcript line of either side. */
export interface TranscriptFinal { sessionId: string; role: 'user' | 'assistant'; itemId: string; text: string }
/** The first agent audio of an answer went to the listener `latencyMs` after the user's turn ended. */
export interface TurnLatency { sessionId: string; itemId: string; latencyMs: number }
/** A backend link that went down: restored (after `attempts`), or lost (the call ended). */
export interface BackendReconnect { sessionId: string; reason: string; outcome: 'restored' | 'lost'; attempts: number }

export const channels = {
  sessionStarted: diagnostics_channel.channel('voice-gateway:session:started'),
  sessionEnded: diagnostics_channel.channel('voice-gateway:session:ended'),
  toolFinished: diagnostics_channel.channel('voice-gateway:tool:finished'),
  stateChanged: diagnostics_channel.channel('voice-gateway:state:changed'),
  bargeIn: diagnostics_channel.channel('voice-gateway:barge-in'),
  backendReconnect: diagnostics_channel.channel('voice-gateway:backend:reconnect'),
  transcriptFinal: diagnostics_channel.channel('voice-gateway:transcript:final'),
  turnLatency: diagnostics_channel.channel('voice-gateway:turn:latency'),
};

export function publish<T extends object>(channel: diagnostics_channel.Channel, message: T): void {
  if (channel.hasSubscribers) channel.publish(message);
}
