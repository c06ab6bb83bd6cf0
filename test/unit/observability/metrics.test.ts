import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, type GatewayMetrics } from '../../../src/observability/metrics.ts';
import pino from 'pino';
import { FactHub } from '../../../src/observability/session-facts.ts';
import { sampleValue } from '../../helpers/prometheus.ts';

const facts = new FactHub(pino({ level: 'silent' }));
const open: GatewayMetrics[] = [];
function metrics(): GatewayMetrics {
  const m = createMetrics(facts);
  open.push(m);
  return m;
}
afterEach(() => {
  for (const m of open.splice(0)) m.close();
});

const started = (sessionId: string, edge = 'kiosk') => facts.publish('sessionStarted', { sessionId, edge, agent: 'frontDesk', state: 'greet' });
const call = { callId: 'call_1', arguments: '{}', output: '{}' };

describe('createMetrics', () => {
  it('counts the session facts, with bounded labels', async () => {
    const { register } = metrics();
    started('vs_a');
    started('vs_b');
    started('vs_c', 'webrtc');
    facts.publish('sessionEnded', { sessionId: 'vs_a', edge: 'kiosk', reason: 'hangup', durationMs: 42_000 });
    facts.publish('toolFinished', { sessionId: 'vs_b', tool: 'authenticateUser', ok: true, durationMs: 250, ...call });
    facts.publish('toolFinished', {
      sessionId: 'vs_b', tool: 'authenticateUser', ok: false, durationMs: 10_000, errorCode: 'VG_ERR_TOOL_TIMEOUT', ...call,
    });
    facts.publish('toolFinished', { sessionId: 'vs_b', tool: 'lookup', ok: false, durationMs: 5, ...call });
    facts.publish('stateChanged', { sessionId: 'vs_b', agent: 'frontDesk', from: 'greet', to: 'verify', handoff: false, slots: {} });
    facts.publish('stateChanged', { sessionId: 'vs_b', agent: 'tourGuide', from: 'verify', to: 'tour', handoff: true, slots: {} });
    facts.publish('bargeIn', { sessionId: 'vs_b', edge: 'kiosk', truncated: true });
    facts.publish('bargeIn', { sessionId: 'vs_b', edge: 'kiosk', truncated: true });
    facts.publish('bargeIn', { sessionId: 'vs_c', edge: 'webrtc', truncated: false });
    facts.publish('turnLatency', { sessionId: 'vs_b', itemId: 'item_1', latencyMs: 420 });
    facts.publish('turnLatency', { sessionId: 'vs_b', itemId: 'item_2', latencyMs: 1_800 });

    const text = await register.metrics();
    expect(sampleValue(text, 'voice_gateway_turn_latency_seconds_count')).toBe(2);
    expect(sampleValue(text, 'voice_gateway_turn_latency_seconds_bucket', { le: '0.5' })).toBe(1);
    expect(sampleValue(text, 'voice_gateway_turn_latency_seconds_bucket', { le: '2' })).toBe(2);
    expect(sampleValue(text, 'voice_gateway_sessions_total', { edge: 'kiosk' })).toBe(2);
    expect(sampleValue(text, 'voice_gateway_sessions_total', { edge: 'webrtc' })).toBe(1);
    expect(sampleValue(text, 'voice_gateway_sessions_live', { edge: 'kiosk' })).toBe(1);
    expect(sampleValue(text, 'voice_gateway_sessions_live', { edge: 'webrtc' })).toBe(1);

    const ended = { edge: 'kiosk', reason: 'hangup' };
    expect(sampleValue(text, 'voice_gateway_session_duration_seconds_count', ended)).toBe(1);
    expect(sampleValue(text, 'voice_gateway_session_duration_seconds_sum', ended)).toBe(42);
    expect(sampleValue(text, 'voice_gateway_session_duration_seconds_bucket', { ...ended, le: '30' })).toBe(0);
    expect(sampleValue(text, 'voice_gateway_session_duration_seconds_bucket', { ...ended, le: '60' })).toBe(1);
    expect(sampleValue(text, 'voice_gateway_session_duration_seconds_bucket', { ...ended, le: '3600' })).toBe(1);

    expect(sampleValue(text, 'voice_gateway_tool_calls_total', { tool: 'authenticateUser', outcome: 'ok' })).toBe(1);
    expect(sampleValue(text, 'voice_gateway_tool_calls_total', { tool: 'authenticateUser', outcome: 'VG_ERR_TOOL_TIMEOUT' })).toBe(1);
    expect(sampleValue(text, 'voice_gateway_tool_calls_total', { tool: 'lookup', outcome: 'error' })).toBe(1);
    expect(sampleValue(text, 'voice_gateway_tool_duration_seconds_count', { tool: 'authenticateUser' })).toBe(2);
    expect(sampleValue(text, 'voice_gateway_tool_duration_seconds_sum', { tool: 'authenticateUser' })).toBe(10.25);
    expect(sampleValue(text, 'voice_gateway_tool_duration_seconds_bucket', { tool: 'lookup', le: '0.01' })).toBe(1);
    expect(sampleValue(text, 'voice_gateway_tool_duration_seconds_bucket', { tool: 'authenticateUser', le: '5' })).toBe(1);

    expect(sampleValue(text, 'voice_gateway_state_changes_total', { agent: 'frontDesk', handoff: 'false' })).toBe(1);
    expect(sampleValue(text, 'voice_gateway_state_changes_total', { agent: 'tourGuide', handoff: 'true' })).toBe(1);
    expect(sampleValue(text, 'voice_gateway_barge_ins_total', { edge: 'kiosk', truncated: 'true' })).toBe(2);
    expect(sampleValue(text, 'voice_gateway_barge_ins_total', { edge: 'webrtc', truncated: 'false' })).toBe(1);

    expect(text).not.toMatch(/vs_[abc]/);
  });

  it('collects the process metrics', async () => {
    const text = await metrics().register.metrics();
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
  });

  it('stops counting once closed', async () => {
    const m = createMetrics(facts);
    started('vs_1');
    m.close();
    started('vs_2');
    expect(sampleValue(await m.register.metrics(), 'voice_gateway_sessions_total', { edge: 'kiosk' })).toBe(1);
  });

  it('keeps each instance in its own registry', async () => {
    const a = metrics();
    started('vs_1');
    const b = metrics();
    started('vs_2');
    a.close();
    started('vs_3');
    expect(a.register).not.toBe(b.register);
    expect(sampleValue(await a.register.metrics(), 'voice_gateway_sessions_total', { edge: 'kiosk' })).toBe(2);
    expect(sampleValue(await b.register.metrics(), 'voice_gateway_sessions_total', { edge: 'kiosk' })).toBe(2);
    started('vs_4');
    expect(sampleValue(await b.register.metrics(), 'voice_gateway_sessions_total', { edge: 'kiosk' })).toBe(3);
    expect(sampleValue(await a.register.metrics(), 'voice_gateway_sessions_total', { edge: 'kiosk' })).toBe(2);
  });
});
