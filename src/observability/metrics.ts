import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FactHub } from './session-facts.ts';

/**
 * Prometheus metrics fed by one gateway's session facts: an instance counts that gateway's
 * sessions, and a scrape reports this process only — sum replicas in Prometheus.
 * Labels are bounded sets (edge kinds, end reasons, tool and agent names, error codes), never a
 * session id.
 */
export interface GatewayMetrics {
  /** Its own registry, not prom-client's global one, so instances never collide on names. */
  readonly register: Registry;
  /** Stops counting: stops listening to the gateway's facts. */
  close(): void;
}

/** Calls last from seconds to an hour. */
const SESSION_SECONDS = [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600];
/** A turn answered at once to one a caller gives up on. */
const TURN_SECONDS = [0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5];
/** Tools from a cache hit to the longest timeout a tool may set. */
const TOOL_SECONDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(facts: FactHub): GatewayMetrics {
  const register = new Registry();
  // Process CPU, memory and event-loop lag: what a real-time relay runs short of first. prom-client
  // gives no way to stop the event-loop monitor and GC observer this starts; close() leaves them,
  // so create one instance per app.
  collectDefaultMetrics({ register });
  const registers = [register];

  const sessionsLive = new Gauge({
    name: 'voice_gateway_sessions_live', help: 'Sessions live now in this process.', labelNames: ['edge'], registers,
  });
  const sessionsTotal = new Counter({
    name: 'voice_gateway_sessions_total', help: 'Sessions that went live in this process.', labelNames: ['edge'], registers,
  });
  const sessionSeconds = new Histogram({
    name: 'voice_gateway_session_duration_seconds', help: 'Length of ended sessions, from live to end.',
    labelNames: ['edge', 'reason'], buckets: SESSION_SECONDS, registers,
  });
  const toolCalls = new Counter({
    name: 'voice_gateway_tool_calls_total', help: 'Tool calls by outcome: ok, or the error code.',
    labelNames: ['tool', 'outcome'], registers,
  });
  const toolSeconds = new Histogram({
    name: 'voice_gateway_tool_duration_seconds', help: 'Tool call duration, failures included.',
    labelNames: ['tool'], buckets: TOOL_SECONDS, registers,
  });
  const stateChanges = new Counter({
    name: 'voice_gateway_state_changes_total', help: 'Conversation state moves; handoff="true" for a move to another agent.',
    labelNames: ['agent', 'handoff'], registers,
  });
  const bargeIns = new Counter({
    name: 'voice_gateway_barge_ins_total', help: 'Barge-ins; truncated="true" when agent audio was cut where the listener stopped hearing it.',
    labelNames: ['edge', 'truncated'], registers,
  });

  const reconnects = new Counter({
    name: 'voice_gateway_backend_reconnects_total',
    help: 'Backend connections that dropped (reason="dropped") or were rolled over before their time limit (reason="rollover"), by outcome: restored, or lost (the call ended).',
    labelNames: ['reason', 'outcome'], registers,
  });

  const turnSeconds = new Histogram({
    name: 'voice_gateway_turn_latency_seconds', help: 'From the end of the user\'s turn to the first agent audio sent to the listener.',
    buckets: TURN_SECONDS, registers,
  });

  const stopListening = facts.listen({
    sessionStarted: ({ edge }) => {
      sessionsLive.inc({ edge });
      sessionsTotal.inc({ edge });
    },
    sessionEnded: ({ edge, reason, durationMs }) => {
      sessionsLive.dec({ edge });
      sessionSeconds.observe({ edge, reason }, durationMs / 1000);
    },
    toolFinished: ({ tool, ok, durationMs, errorCode }) => {
      toolCalls.inc({ tool, outcome: ok ? 'ok' : errorCode ?? 'error' });
      toolSeconds.observe({ tool }, durationMs / 1000);
    },
    stateChanged: ({ agent, handoff }) => stateChanges.inc({ agent, handoff: String(handoff) }),
    bargeIn: ({ edge, truncated }) => bargeIns.inc({ edge, truncated: String(truncated) }),
    backendReconnect: ({ reason, outcome }) => reconnects.inc({ reason, outcome }),
    turnLatency: ({ latencyMs }) => turnSeconds.observe(latencyMs / 1000),
  });

  return {
    register,
    close: () => {
      stopListening();
    },
  };
}
