import { afterEach, describe, expect, it } from 'vitest';
import type { SessionStartEvent } from 'openai/resources/live/live';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { speechPcm } from '../helpers/speech.ts';

// Fault tests on GPT-Live: the backend connection is cut under a live call (the tap resets every
// connection through it). A new Live socket is a new session with no state, so the gateway opens
// one configured for where the call is, with what was said, and the call goes on.

type Responses = { instructions?: string; tools?: { name?: string }[] };
const starts = (gw: TestGateway) => gw.tap.events
  .filter((e) => e.direction === 'client' && e.event.type === 'session.start')
  .map((e) => ({ connection: e.connection, start: e.event as unknown as SessionStartEvent }));
const responses = (start: SessionStartEvent) => (start.session.delegation as { responses: Responses }).responses;

describe('GPT-Live backend link: a call survives a dropped connection', () => {
  let gw: TestGateway;
  let device: KioskClient;

  afterEach(async () => {
    device?.close();
    await gw?.close();
  });

  async function say(text: string): Promise<void> {
    device.reportPlayed(device.receivedSinceClearMs);
    await device.sendPcm(await speechPcm(text, { leadingSilenceMs: 300, trailingSilenceMs: 1000 }), 4);
  }

  async function callAtLastName(): Promise<void> {
    gw = await startTestGateway({ script: 'agents/front-desk.script.json', api: 'live' });
    device = await KioskClient.connect(gw.wsUrl);
    await device.waitFor('session.ready');
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
    await say('My first name is Jane.');
    await device.waitFor('state.changed', (e) => e.to === '3_get_last_name');
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && /last name/.test(e.text));
    device.reportPlayed(device.receivedSinceClearMs); // heard it all: nothing is cut off by the drop
  }

  it('opens a new session in the current state with the call so far, and the flow goes on to authenticateUser', async () => {
    await callAtLastName();
    gw.tap.dropConnections();
    await device.waitFor('backend.reconnecting');
    await device.waitFor('backend.restored');
    expect(gw.tap.connectionsOpened()).toBe(2);

    const [first, second] = starts(gw);
    expect(second.connection).toBe(1);
    // The same voice, model and format; the backend in the current state, with what was collected and said.
    expect(second.start.session.model).toBe(first.start.session.model);
    expect(second.start.session.audio).toEqual(first.start.session.audio);
    const backend = responses(second.start);
    expect(backend.instructions).toContain('## Current state: 3_get_last_name');
    expect(backend.instructions).toContain('- first_name: "Jane"');
    expect(backend.instructions).toContain('# The call so far');
    expect(backend.instructions).toMatch(/Caller: "My first name is Jane/);
    expect(backend.instructions).toMatch(/Agent: "[^"]*last name/);
    expect(second.start.session.instructions).toContain('# The call so far');
    expect(second.start.session.instructions).toContain(first.start.session.instructions ?? '');
    // Nothing was cut off and the caller was answered: the restored agent is not asked to speak (no second greeting).
    const speakNow = gw.tap.events.filter((e) => e.connection === 1 && e.direction === 'client' && e.event.type === 'session.commentary.append');
    expect(speakNow).toEqual([]);

    // The caller's next turn is heard and answered on the new session, where the flow is.
    await say('Doe. D O E.');
    await device.waitFor('state.changed', (e) => e.from === '3_get_last_name' && e.to === '4_next_steps');
    const verify = await device.waitFor('tool.call', (e) => e.name === 'authenticateUser');
    expect(JSON.parse(verify.arguments)).toEqual({ first_name: 'Jane', last_name: 'Doe' });
    await device.waitFor('tool.result', (e) => e.name === 'authenticateUser' && !e.error);
    expect(device.events.filter((e) => e.type === 'session.ready')).toHaveLength(1);
    expect(device.events.filter((e) => e.type === 'error')).toEqual([]);
    expect(gw.tap.events.filter((e) => e.direction === 'server' && e.event.type === 'error')).toEqual([]);
    expect(gw.app.sessions.size).toBe(1);
  }, 60_000);

  it('the caller audio sent while the line is down reaches the new session', async () => {
    await callAtLastName();
    gw.tap.dropConnections();
    await device.waitFor('backend.reconnecting');
    const speech = await speechPcm('Doe. D O E.', { leadingSilenceMs: 200, trailingSilenceMs: 1000 });
    gw.tap.swallow((e) => e.type === 'session.start'); // hold the new session back while the caller speaks
    const sending = device.sendPcm(speech, 8);
    await gw.tap.waitFor((e) => e.connection === 1 && e.event.type === 'session.start');
    await sending;
    gw.tap.swallow(undefined);
    gw.tap.dropConnections(); // the attempt that never started gives way to the next
    await device.waitFor('backend.restored');
    const appendedBytes = () => gw.tap.events
      .filter((e) => e.connection === 2 && e.direction === 'client' && e.event.type === 'session.input_audio.append')
      .reduce((n, e) => n + Buffer.from(e.event.audio as string, 'base64').length, 0);
    await device.waitFor('state.changed', (e) => e.to === '4_next_steps');
    expect(appendedBytes()).toBeGreaterThanOrEqual(speech.length * 2 * 0.9);
  }, 60_000);

  it('typed text sent while the line is down reaches the new session, and a second drop is restored too', async () => {
    await callAtLastName();
    gw.tap.dropConnections();
    await device.waitFor('backend.reconnecting');
    gw.tap.swallow((e) => e.type === 'session.start'); // hold the new session back while the caller types
    await gw.tap.waitFor((e) => e.connection === 1 && e.event.type === 'session.start');
    device.control({ type: 'input_text', text: 'Doe. D O E.' });
    await device.waitFor('transcript', (e) => e.role === 'user' && e.text === 'Doe. D O E.');
    gw.tap.swallow(undefined);
    gw.tap.dropConnections();
    await device.waitFor('backend.restored');
    const typed = gw.tap.events.filter((e) => e.connection === 2 && e.direction === 'client' && e.event.type === 'session.commentary.append'
      && String(e.event.content).includes('Doe. D O E.'));
    expect(typed).toHaveLength(1);
    // It went out after the session started (GPT-Live has no user text: commentary is how it is heard).
    const startedAt = gw.tap.events.findIndex((e) => e.connection === 2 && e.event.type === 'session.started');
    expect(gw.tap.events.indexOf(typed[0])).toBeGreaterThan(startedAt);

    // A second drop: restored again, with the typed line in the call so far.
    device.reportPlayed(device.receivedSinceClearMs);
    gw.tap.dropConnections();
    await device.waitFor('backend.restored', () => device.events.filter((e) => e.type === 'backend.restored').length === 2);
    const last = starts(gw).at(-1)!;
    expect(last.connection).toBe(3);
    expect(responses(last.start).instructions).toContain('## Current state: 3_get_last_name');
    expect(responses(last.start).instructions).toMatch(/Caller: "Doe\. D O E\."/);
    // ...and the call goes on by voice on the third session.
    await say('Doe. D O E.');
    await device.waitFor('state.changed', (e) => e.to === '4_next_steps');
    expect(device.events.filter((e) => e.type === 'session.ready')).toHaveLength(1);
    expect(device.events.filter((e) => e.type === 'error')).toEqual([]);
  }, 60_000);

  it('a session that expires is followed by a new one for the same call', async () => {
    gw = await startTestGateway({ script: 'agents/front-desk.script.json', api: 'live', sessionMaxMs: 6_000 });
    device = await KioskClient.connect(gw.wsUrl);
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
    device.reportPlayed(device.receivedSinceClearMs);
    const closed = await gw.tap.waitFor((e) => e.direction === 'server' && e.event.type === 'session.closed', 15_000);
    expect(closed.event.reason).toBe('expired');
    await device.waitFor('backend.restored', () => true, 15_000);
    const [, second] = starts(gw);
    expect(responses(second.start).instructions).toContain('## Current state: 1_greeting');
    expect(responses(second.start).instructions).toMatch(/Agent: "[^"]*front desk/i);
    await say('My first name is Jane.');
    await device.waitFor('state.changed', (e) => e.to === '3_get_last_name');
  }, 60_000);

  it('when every attempt is refused, the call ends with backend_lost', async () => {
    await callAtLastName();
    gw.tap.swallow((e) => e.type === 'session.start', (e) => ({
      type: 'error', event_id: 'evt_refused', client_event_id: e.event_id, error: { type: 'server_error', code: 'server_error', message: 'down for maintenance' },
    }));
    gw.tap.dropConnections();
    await device.waitFor('backend.reconnecting');
    const ended = await device.waitFor('session.ended', () => true, 30_000);
    expect(ended.reason).toBe('backend_lost');
    expect(device.events.some((e) => e.type === 'backend.restored')).toBe(false);
    expect(gw.tap.connectionsOpened()).toBe(7); // the first, then the six attempts of the link policy
  }, 60_000);
});
