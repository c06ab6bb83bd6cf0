import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaceCallOptions, SipCall } from '../../src/emulator/index.ts';
import { webhookSignature } from '../../src/emulator/sip/webhook.ts';
import { GREETING_SCRIPT, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import type { SessionEnded, SessionNeverLive } from '../../src/observability/session-facts.ts';
import { testWebhookSecret, TRANSFER_SCRIPT, waitUntil } from '../helpers/sip-calls.ts';

const SECRET = testWebhookSecret();
const OTHER_SECRET = testWebhookSecret();
/** The whole demo flow is about ten spoken turns (some 20 s here): room for a loaded machine. */
const FLOW_TIMEOUT_MS = 90_000;

interface SentSession {
  instructions?: string;
  tools?: { name?: string }[];
  audio?: { input?: { format?: unknown; turn_detection?: Record<string, unknown> }; output?: { format?: unknown; voice?: string } };
}

describe('SIP calls: a signed webhook, the accept, and a sideband session that runs the flow', () => {
  let gw: TestGateway;
  let webhookUrl: string;

  beforeAll(async () => {
    gw = await startTestGateway({ script: 'agents/front-desk.script.json', sipWebhookSecret: SECRET });
    webhookUrl = `${gw.httpUrl}/openai/webhook`;
  });
  afterAll(async () => {
    await gw?.close();
  });

  let forgedCall: SipCall | undefined;
  const place = (opts: PlaceCallOptions) => gw.emulator.placeSipCall({ webhookUrl, webhookSecret: SECRET, ...opts });

  it('refuses a delivery signed with another secret, a stale one and an unsigned one; nothing is accepted', async () => {
    const forged = await gw.emulator.placeSipCall({ webhookUrl, webhookSecret: OTHER_SECRET });
    expect(forged.delivery.status).toBe(401);
    expect(JSON.parse(forged.delivery.body)).toMatchObject({ error: { code: 'VG_ERR_WEBHOOK_SIGNATURE' } });

    const body = JSON.stringify({ object: 'event', id: 'evt_1', type: 'realtime.call.incoming', created_at: 0, data: { call_id: forged.call.id, sip_headers: [] } });
    const stale = Math.floor(Date.now() / 1000) - 600;
    const staleRes = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': 'wh_stale', 'webhook-timestamp': String(stale), 'webhook-signature': webhookSignature(SECRET, 'wh_stale', stale, body) },
      body,
    });
    expect(staleRes.status).toBe(401);
    const unsigned = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(unsigned.status).toBe(400);

    expect(forged.call.state).toBe('ringing');
    expect(forged.call.requests).toEqual([]);
    expect(gw.app.sessions.size).toBe(0);
    // Checked again at the end: nothing accepts it later either.
    forgedCall = forged.call;
  });

  it('accepts a call once, with the start agent\'s session; the sideband walks the demo flow; the gateway hangs up at the end', async () => {
    const placed = await place({ from: '+14155550123', to: '+18005550199', playbackSpeed: 8 });
    expect(placed.delivery.status).toBe(200);
    // OpenAI retries a delivery it thinks failed: the same webhook-id is handled once.
    expect((await placed.redeliver()).status).toBe(200);
    await placed.call.waitFor('accepted');

    // What the emulator was accepted with: the start agent's instructions (with the caller), its
    // tools and voice, turn detection the Calls API takes for SIP, no audio formats.
    const accept = placed.call.requests.find((r) => r.action === 'accept');
    expect(accept?.status).toBe(200);
    const session = accept?.body as SentSession & { type?: string };
    expect(session.type).toBe('realtime');
    expect(session.instructions).toContain('## Current state: 1_greeting');
    expect(session.instructions).toContain('The caller is calling from +14155550123.');
    expect(session.instructions).toContain('The caller dialled +18005550199.');
    expect(session.tools?.map((t) => t.name)).toEqual(['authenticateUser', 'change_state']);
    expect(session.audio?.output?.voice).toBe('sage');
    expect(session.audio?.input?.format).toBeUndefined();
    expect(session.audio?.output?.format).toBeUndefined();
    for (const field of ['threshold', 'prefix_padding_ms', 'silence_duration_ms']) expect(session.audio?.input?.turn_detection).not.toHaveProperty(field);

    // The sideband connection: `?call_id=` through the tap.
    const created = await gw.tap.waitFor((e) => e.direction === 'server' && e.event.type === 'session.created'
      && (e.event.session as { instructions?: string }).instructions?.includes('+14155550123') === true);

    // The flow: state moves, authenticateUser, the handoff's session.update accepted, the wrap-up.
    const ended = await placed.call.waitFor('ended', 'transferred', 'rejected');
    expect(ended).toBe('ended');
    const events = gw.tap.events.filter((e) => e.connection === created.connection);
    const outputs = events.flatMap((e) => {
      const item = e.event.item as { type?: string; output?: string } | undefined;
      return e.direction === 'client' && e.event.type === 'conversation.item.create' && item?.type === 'function_call_output' ? [item.output ?? ''] : [];
    });
    for (const state of ['2_get_first_name', '3_get_last_name', '4_next_steps', '2_overview', '3_wrap_up']) {
      expect(outputs.some((o) => o.includes(`"state":"${state}"`))).toBe(true);
    }
    expect(outputs.some((o) => o.includes('"verified":true'))).toBe(true);
    expect(events.some((e) => e.direction === 'server' && e.event.type === 'session.updated'
      && JSON.stringify(e.event).includes('Current state: 1_welcome'))).toBe(true);
    expect(events.filter((e) => e.direction === 'server' && e.event.type === 'error')).toEqual([]);
    // No audio at the gateway: no format sent, the voice never changes, the server plays it.
    const updates = events.filter((e) => e.direction === 'client' && e.event.type === 'session.update').map((e) => e.event.session as SentSession);
    for (const update of updates) {
      expect(update.audio?.input?.format).toBeUndefined();
      expect(update.audio?.output?.format).toBeUndefined();
      if (update.audio?.output?.voice !== undefined) expect(update.audio.output.voice).toBe('sage');
    }
    expect(events.some((e) => e.event.type === 'response.output_audio.delta')).toBe(false);
    expect(events.some((e) => e.event.type === 'output_audio_buffer.stopped')).toBe(true);
    expect(events.some((e) => e.event.type === 'conversation.item.truncate' || e.event.type === 'input_audio_buffer.append')).toBe(false);

    // Accepted once despite the retry; hung up by the gateway after the goodbye.
    expect(placed.call.requests.map((r) => `${r.action} ${r.status}`)).toEqual(['accept 200', 'hangup 200']);
    await waitUntil(() => gw.app.sessions.size === 0);
  }, FLOW_TIMEOUT_MS);

  it('transfers the call to the person the agent names, by REFER, and does not hang up over it', async () => {
    const placed = await place({ script: TRANSFER_SCRIPT, playbackSpeed: 8 });
    expect(placed.delivery.status).toBe(200);
    expect(await placed.call.waitFor('ended', 'transferred', 'rejected')).toBe('transferred');
    expect(placed.call.referredTo).toBe('sip:concierge@example.com');
    expect(placed.call.requests.map((r) => `${r.action} ${r.status}`)).toEqual(['accept 200', 'refer 200']);
    await waitUntil(() => gw.app.sessions.size === 0);
    expect(forgedCall?.requests).toEqual([]);
  });

  it('takes a call the caller hung up while it rang (accept answers 404) for a call that ended, not a backend outage', async () => {
    const never = new Promise<SessionNeverLive>((resolve) => {
      const stop = gw.app.facts.listen({ sessionNeverLive: (fact) => (stop(), resolve(fact)) });
    });
    // Offered elsewhere first (a receiver that only acknowledges), hung up, then delivered here.
    const placed = await gw.emulator.placeSipCall({ webhookUrl: `${gw.httpUrl}/healthz`, webhookSecret: SECRET });
    placed.call.end('ended');
    expect((await placed.redeliver(webhookUrl)).status).toBe(200);
    expect(await never).toMatchObject({ edge: 'sip', reason: 'call_ended' });
    await waitUntil(() => gw.app.sessions.size === 0);
  });

  it('hears the caller\'s keypad: the keys pressed reach the agent as one entry', async () => {
    const earlier = gw.tap.connectionsOpened();
    const placed = await place({ script: { turns: [{ responses: [[{ say: 'Hello.' }]] }] }, playbackSpeed: 8 });
    await placed.call.waitFor('accepted');
    const stopped = await gw.tap.waitFor((e) => e.connection >= earlier && e.direction === 'server' && e.event.type === 'output_audio_buffer.stopped');
    placed.call.press('1234#');
    const entry = await gw.tap.waitFor((e) => e.connection === stopped.connection && e.direction === 'client' && e.event.type === 'conversation.item.create'
      && JSON.stringify(e.event).includes('The caller pressed 1 2 3 4 #'));
    expect(gw.tap.events.filter((e) => e.connection === entry.connection && e.direction === 'client' && JSON.stringify(e.event).includes('The caller pressed'))).toHaveLength(1);
    placed.call.end('ended');
    await waitUntil(() => gw.app.sessions.size === 0);
  });

  it('re-attaches to the same call when the sideband drops, and hangs up when the gateway closes', async () => {
    const earlier = gw.tap.connectionsOpened();
    const placed = await place({ script: { turns: [{ responses: [[{ say: 'Hello.' }]] }] }, playbackSpeed: 8 });
    await placed.call.waitFor('accepted');
    // This call's sideband connections (earlier calls' are closed).
    const isCall = (e: { connection: number; event: { type: string; session?: unknown } }) => e.connection >= earlier
      && e.event.type === 'session.created' && JSON.stringify(e.event.session).includes('Current state: 1_greeting');
    const first = await gw.tap.waitFor((e) => e.direction === 'server' && isCall(e));
    await gw.tap.waitFor((e) => e.connection === first.connection && e.event.type === 'output_audio_buffer.stopped');
    const restored = new Promise<void>((resolve) => {
      const stop = gw.app.facts.listen({
        backendReconnect: ({ outcome }) => {
          if (outcome !== 'restored') return;
          stop();
          resolve();
        },
      });
    });
    gw.tap.dropConnections();
    // The new connection attached to the call: it starts from the call's accepted session.
    const again = await gw.tap.waitFor((e) => e.direction === 'server' && e.connection > first.connection && isCall(e));
    await gw.tap.waitFor((e) => e.connection === again.connection && e.direction === 'server' && e.event.type === 'session.updated');
    expect(placed.call.state).toBe('accepted');
    await restored;
    await gw.app.sessions.closeAll('server_shutdown');
    expect(await placed.call.waitFor('ended', 'transferred', 'rejected')).toBe('ended');
    // The call's conversation lives on at the service: the re-attached link sent none of it again
    // (all it sent is in the tap once the connection has closed).
    await waitUntil(() => gw.tap.openConnections() === 0);
    expect(gw.tap.events.filter((e) => e.connection === again.connection && e.direction === 'client' && e.event.type === 'conversation.item.create')).toEqual([]);
    const greetings = placed.call.conversation?.items.filter((item) => item.type === 'message' && item.role === 'assistant') ?? [];
    expect(greetings).toHaveLength(1);
    expect(placed.call.requests.map((r) => `${r.action} ${r.status}`)).toEqual(['accept 200', 'hangup 200']);
  });

  it('ends the session at once when the caller hangs up: the re-attach is refused as a call that is over, not retried', async () => {
    const ended = new Promise<SessionEnded>((resolve) => {
      const stop = gw.app.facts.listen({
        sessionEnded: (fact) => {
          stop();
          resolve(fact);
        },
      });
    });
    const earlier = gw.tap.connectionsOpened();
    const placed = await place({ script: { turns: [{ responses: [[{ say: 'Hello.' }]] }] }, playbackSpeed: 8 });
    await placed.call.waitFor('accepted');
    const attached = await gw.tap.waitFor((e) => e.connection >= earlier && e.direction === 'server' && e.event.type === 'output_audio_buffer.stopped');
    const opened = gw.tap.connectionsOpened();
    placed.call.end('ended'); // the caller hangs up: the service closes the sideband
    expect((await ended).reason).toBe('call_ended');
    await waitUntil(() => gw.app.sessions.size === 0);
    // One re-attach, refused with call_not_active; no retries after it.
    expect(gw.tap.connectionsOpened() - opened).toBe(1);
    const refusal = await gw.tap.waitFor((e) => e.connection > attached.connection && e.direction === 'server' && e.event.type === 'error');
    expect((refusal.event.error as { code: string }).code).toBe('call_not_active');
    // Nothing is hung up that is already over.
    expect(placed.call.requests.map((r) => r.action)).toEqual(['accept']);
  });

  it('rejects a call while draining (SIP 503), with no session', async () => {
    gw.app.sessions.drain();
    const placed = await place({});
    expect(placed.delivery.status).toBe(200);
    expect(await placed.call.waitFor('accepted', 'rejected')).toBe('rejected');
    expect(placed.call.requests).toEqual([{ action: 'reject', status: 200, body: { status_code: 503 } }]);
    expect(gw.app.sessions.size).toBe(0);
  });
});

describe('SIP edge: off without OPENAI_WEBHOOK_SECRET', () => {
  it('has no webhook route (404), rather than an open one', async () => {
    const off = await startTestGateway({ script: GREETING_SCRIPT });
    try {
      const res = await fetch(`${off.httpUrl}/openai/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
