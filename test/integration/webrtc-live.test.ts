import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { SPEECH_RMS, waitFor } from '../helpers/fake-session.ts';
import { speechPcm } from '../helpers/speech.ts';
import { WebrtcTestClient } from '../helpers/webrtc-client.ts';
import type { ClientEvent } from '../../src/edges/edge.ts';

// The browser edge (a Node WebRTC peer, as a browser would be) on GPT-Live: the same call path as
// on Realtime, the Live session underneath.

describe('browser edge over WebRTC on GPT-Live, against the emulator', () => {
  let gw: TestGateway;
  let client: WebrtcTestClient;
  const seen = (match: (e: ClientEvent) => boolean, what: string, timeoutMs = 20_000) => waitFor(() => client.events.some(match), timeoutMs, what);

  beforeAll(async () => {
    gw = await startTestGateway({ script: 'agents/front-desk.script.json', api: 'live' });
    client = new WebrtcTestClient();
    await client.connect(gw.httpUrl);
  });
  afterAll(async () => {
    client?.close();
    await gw?.close();
  });

  it('greets the caller with audible speech and its transcript', async () => {
    await client.waitForEvent('session.ready', 10_000);
    await seen((e) => e.type === 'transcript' && e.role === 'assistant' && e.final && /front desk/i.test(e.text), 'the greeting');
    await waitFor(() => client.received.some((f) => f.rms > SPEECH_RMS), 10_000, 'the greeting audio');
    expect(gw.tap.clientEvents('session.start')).toHaveLength(1);
  });

  it('hears the caller over the microphone track and moves the state', async () => {
    await client.speak(await speechPcm('My first name is Jane.', { rate: 48_000, leadingSilenceMs: 300, trailingSilenceMs: 1_200 }));
    await seen((e) => e.type === 'transcript' && e.role === 'user' && e.final && e.text === 'My first name is Jane, J-A-N-E.', 'the caller\'s turn');
    await seen((e) => e.type === 'state.changed' && e.to === '3_get_last_name', 'the move to the last name');
    const moves = client.events.filter((e) => e.type === 'state.changed').map((e) => e.type === 'state.changed' && e.to);
    expect(moves.slice(0, 2)).toEqual(['2_get_first_name', '3_get_last_name']);
  });

  it('ends the Live session when the caller hangs up', async () => {
    client.send({ type: 'hangup' });
    await seen((e) => e.type === 'session.ended', 'session.ended', 5_000);
    await gw.tap.waitFor((e) => e.direction === 'server' && e.event.type === 'session.closed');
    await waitFor(() => gw.app.sessions.size === 0, 3_000, 'the session to end');
  });
});
