import diagnostics_channel from 'node:diagnostics_channel';

/**
 * What a session reports about itself, for metrics and tracing. Publishers check `hasSubscribers`
 * first, so with nobody listening an event costs one property read.
 */
export interface SessionStarted { sessionId: string; edge: string }
export interface SessionEnded { sessionId: string; edge: string; reason: string; durationMs: number }
export interface ToolFinished { sessionId: string; tool: string; ok: boolean; durationMs: number; errorCode?: string }
export interface StateChanged { sessionId: string; agent: string; from: string; to: string; handoff: boolean }
export interface BargeIn { sessionId: string; edge: string; truncated: boolean }
/** A backend link that went down: restored (after `attempts`), or lost (the call ended). */
export interface BackendReconnect { sessionId: string; reason: string; outcome: 'restored' | 'lost'; attempts: number }

export const channels = {
  sessionStarted: diagnostics_channel.channel('voice-gateway:session:started'),
  sessionEnded: diagnostics_channel.channel('voice-gateway:session:ended'),
  toolFinished: diagnostics_channel.channel('voice-gateway:tool:finished'),
  stateChanged: diagnostics_channel.channel('voice-gateway:state:changed'),
  bargeIn: diagnostics_channel.channel('voice-gateway:barge-in'),
  backendReconnect: diagnostics_channel.channel('voice-gateway:backend:reconnect'),
};

export function publish<T extends object>(channel: diagnostics_channel.Channel, message: T): void {
  if (channel.hasSubscribers) channel.publish(message);
}
