import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionAcceptParams } from 'openai/resources/live/sessions';
import type { PlaceCallOptions } from '../../src/emulator/index.ts';
import type { SessionEnded } from '../../src/observability/session-facts.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { testWebhookSecret, TRANSFER_SCRIPT, waitUntil } from '../helpers/sip-calls.ts';

// sip-flow.test.ts on GPT-Live: the same call path (a signed webhook, the accept, a sideband that
// runs the demo flow, refer, hangup, reject), on `live.transport.incoming` and /v1/live/sessions.

const SECRET = testWebhookSecret();
const OTHER_SECRET = testWebhookSecret();
/** The whole demo flow is about ten spoken turns: room for a loaded machine. */
const FLOW_TIMEOUT_MS = 90_000;

describe('SIP calls on GPT-Live: live.transport.incoming, the Live accept, and a sideband that runs the flow', () => {
  let gw: TestGateway;
  let webhookUrl: string;

  beforeAll(async () => {
    gw = await startTestGateway({ script: 'agents/front-desk.script.json', sipWebhookSecret: SECRET, api: 'live' });
    webhookUrl = `${gw.httpUrl}/openai/webhook`;
  });
  afterAll(async () => {
    await gw?.close();
  });

  const place = (opts: PlaceCallOptions = {}) => gw.emulator.placeSipCall({ api: 'live', webhookUrl, webhookSecret: SECRET, ...opts });

  it('refuses a delivery signed with another secret, and leaves a Realtime offer to a Realtime runtime', async () => {
    const forged = await gw.emulator.placeSipCall({ api: 'live', webhookUrl, webhookSecret: OTHER_SECRET });
    expect(forged.delivery.status).toBe(401);
    expect(JSON.parse(forged.delivery.body)).toMatchObject({ error: { code: 'VG_ERR_WEBHOOK_SIGNATURE' } });
    const realtimeOffer = await gw.emulator.placeSipCall({ webhookUrl, webhookSecret: SECRET });
    expect(realtimeOffer.delivery.status).toBe(200);
    // Neither is acted on, now or later (checked again below, after the flow).
    await new Promise((r) => setTimeout(r, 300));
    for (const call of [forged.call, realtimeOffer.call]) {
      expect(call.state).toBe('ringing');
      expect(call.requests).toEqual([]);
    }
    expect(gw.app.sessions.size).toBe(0);
  });

  it('accepts the call once with the Live startup config; the sideband walks the demo flow; the gateway hangs up at the end', async () => {
    const placed = await place({ from: '+14155550123', to: '+18005550199' });
    expect(placed.call.id).toMatch(/^live_/);
    expect(placed.delivery.status).toBe(200);
    expect((await placed.redeliver()).status).toBe(200);
    await placed.call.waitFor('accepted');

    const accept = placed.call.requests.find((r) => r.action === 'accept');
    expect(accept?.status).toBe(200);
    const { session } = accept?.body as SessionAcceptParams;
    expect(session).toMatchObject({ type: 'live', model: 'gpt-live-1', audio: { output: { voice: 'sage' } } });
    expect(session.audio).not.toHaveProperty('format');
    expect(session.instructions).toContain('# Unclear audio');
    const responses = session.delegation?.type === 'responses' ? session.delegation.responses : undefined;
    expect(responses?.instructions).toContain('## Current state: 1_greeting');
    expect(responses?.instructions).toContain('+14155550123');

    // The sideband: attached to the accepted session, confirmed by its session.update.
    const attached = await gw.tap.waitFor((e) => e.direction === 'server' && e.event.type === 'session.updated'
      && JSON.stringify(e.event.session).includes('+14155550123'));
    const ended = await placed.call.waitFor('ended', 'transferred', 'rejected');
    expect(ended).toBe('ended');
    const events = gw.tap.events.filter((e) => e.connection === attached.connection);
    expect(events.some((e) => e.direction === 'client' && (e.event.type === 'session.start' || e.event.type === 'session.input_audio.append'))).toBe(false);
    const outputs = events.flatMap((e) => {
      const item = e.event.item as { type?: string; output?: string } | undefined;
      return e.direction === 'client' && e.event.type === 'response.item.create' && item?.type === 'function_call_output' ? [item.output ?? ''] : [];
    });
    for (const state of ['2_get_first_name', '3_get_last_name', '4_next_steps', '2_overview', '3_wrap_up']) {
      expect(outputs.some((o) => o.includes(`"state":"${state}"`))).toBe(true);
    }
    expect(outputs.some((o) => o.includes('"verified":true'))).toBe(true);
    // The handoff: the tour guide's start state went to the delegation backend.
    expect(events.some((e) => e.direction === 'client' && e.event.type === 'session.update' && JSON.stringify(e.event).includes('Current state: 1_welcome'))).toBe(true);
    expect(events.filter((e) => e.direction === 'server' && e.event.type === 'error')).toEqual([]);
    expect(placed.call.requests.map((r) => `${r.action} ${r.status}`)).toEqual(['accept 200', 'hangup 200']);
    await waitUntil(() => gw.app.sessions.size === 0);
  }, FLOW_TIMEOUT_MS);

  it('transfers the call by REFER on /v1/live/sessions/{id}/refer, and does not hang up over it', async () => {
    const placed = await place({ script: TRANSFER_SCRIPT });
    expect(await placed.call.waitFor('ended', 'transferred', 'rejected')).toBe('transferred');
    expect(placed.call.referredTo).toBe('sip:concierge@example.com');
    expect(placed.call.requests.map((r) => `${r.action} ${r.status}`)).toEqual(['accept 200', 'refer 200']);
    await waitUntil(() => gw.app.sessions.size === 0);
  }, FLOW_TIMEOUT_MS);

  it('ends the session when the caller hangs up (remote_hangup), with nothing hung up', async () => {
    const ended = new Promise<SessionEnded>((resolve) => {
      const stop = gw.app.facts.listen({ sessionEnded: (fact) => (stop(), resolve(fact)) });
    });
    const earlier = gw.tap.connectionsOpened();
    const placed = await place({ script: { turns: [{ responses: [[{ say: 'Hello.' }]] }] } });
    await placed.call.waitFor('accepted');
    // This call's sideband is live: the agent is speaking its greeting.
    await gw.tap.waitFor((e) => e.connection >= earlier && e.direction === 'server' && e.event.type === 'session.output_transcript.delta');
    placed.call.end('ended');
    expect((await ended).reason).toBe('call_ended');
    await waitUntil(() => gw.app.sessions.size === 0);
    expect(placed.call.requests.map((r) => r.action)).toEqual(['accept']);
  });

  it('hears the caller\'s keypad on the sideband (transport.dtmf.received): the keys reach the agent as one entry', async () => {
    const earlier = gw.tap.connectionsOpened();
    const placed = await place({ script: { turns: [{ responses: [[{ say: 'Hello.' }]] }] } });
    await placed.call.waitFor('accepted');
    const speaking = await gw.tap.waitFor((e) => e.connection >= earlier && e.direction === 'server' && e.event.type === 'session.output_transcript.delta');
    placed.call.press('1234#');
    await gw.tap.waitFor((e) => e.connection === speaking.connection && e.direction === 'client' && JSON.stringify(e.event).includes('The caller pressed 1 2 3 4 #'));
    expect(gw.tap.events.filter((e) => e.connection === speaking.connection && e.direction === 'client' && JSON.stringify(e.event).includes('The caller pressed'))).toHaveLength(1);
    placed.call.end('ended');
    await waitUntil(() => gw.app.sessions.size === 0);
  });

  it('re-attaches to the same session when the sideband drops (no new session, no recap), and hangs up when the gateway closes', async () => {
    const restored = new Promise<void>((resolve) => {
      const stop = gw.app.facts.listen({ backendReconnect: ({ outcome }) => (outcome === 'restored' ? (stop(), resolve()) : undefined) });
    });
    const earlier = gw.tap.connectionsOpened();
    const placed = await place({ script: { turns: [{ responses: [[{ say: 'Hello.' }]] }] } });
    await placed.call.waitFor('accepted');
    const first = await gw.tap.waitFor((e) => e.connection >= earlier && e.direction === 'server' && e.event.type === 'session.output_transcript.delta');
    gw.tap.dropConnections();
    const again = await gw.tap.waitFor((e) => e.connection > first.connection && e.direction === 'server' && e.event.type === 'session.updated');
    await restored;
    expect(placed.call.state).toBe('accepted');
    const sent = gw.tap.events.filter((e) => e.connection === again.connection && e.direction === 'client').map((e) => e.event);
    expect(sent.filter((e) => e.type === 'session.start')).toEqual([]);
    expect(JSON.stringify(sent)).not.toContain('The call so far');
    await gw.app.sessions.closeAll('server_shutdown');
    expect(await placed.call.waitFor('ended', 'transferred', 'rejected')).toBe('ended');
    expect(placed.call.requests.map((r) => `${r.action} ${r.status}`)).toEqual(['accept 200', 'hangup 200']);
    await waitUntil(() => gw.app.sessions.size === 0);
  });

  it('rejects a call while draining (SIP 503), with no session', async () => {
    gw.app.sessions.drain();
    const placed = await place();
    expect(await placed.call.waitFor('accepted', 'rejected')).toBe('rejected');
    expect(placed.call.requests).toEqual([{ action: 'reject', status: 200, body: { status_code: 503 } }]);
    expect(gw.app.sessions.size).toBe(0);
  });
});
