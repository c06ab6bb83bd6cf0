import { readdirSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { webrtcEdge, type WebrtcEdgeOptions } from '../../src/edges/browser-webrtc.ts';
import { LEAD_MS } from '../../src/edges/webrtc/audio-out.ts';
import type { WebrtcEdge } from '../../src/edges/webrtc/webrtc-edge.ts';
import { FakeSessions, SPEECH_RMS, waitFor } from '../helpers/fake-session.ts';
import { speechPcm } from '../helpers/speech.ts';
import { WebrtcTestClient } from '../helpers/webrtc-client.ts';

const SENTENCE = 'Hello, I would like to book a tour of the museum, please.';

async function startApp(opts: Partial<WebrtcEdgeOptions> = {}): Promise<{ app: FastifyInstance; url: string; fakes: FakeSessions }> {
  const fakes = new FakeSessions();
  const app = Fastify();
  await app.register(webrtcEdge, { startSession: fakes.start, ...opts });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url, fakes };
}

function tone(ms: number, rate = 24_000): Buffer {
  const samples = new Int16Array((ms * rate) / 1000);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate));
  return Buffer.from(samples.buffer);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sums how long the event loop was blocked beyond 20 ms at a time (a busy machine, a GC pause). */
function stallMeter(): { stalledMs: () => number; stop: () => void } {
  let last = performance.now();
  let stalled = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stalled += Math.max(0, now - last - 20);
    last = now;
  }, 5);
  return { stalledMs: () => stalled, stop: () => clearInterval(timer) };
}

describe('browser edge over WebRTC (Node peer)', () => {
  let server: Awaited<ReturnType<typeof startApp>>;
  const clients: WebrtcTestClient[] = [];
  /** A connected call whose session is open (it said session.ready). */
  const connect = async (url = server.url): Promise<WebrtcTestClient> => {
    const client = new WebrtcTestClient();
    clients.push(client);
    await client.connect(url);
    await client.waitForEvent('session.ready');
    return client;
  };

  beforeAll(async () => {
    server = await startApp();
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(async () => {
    await server.app.close();
  });

  it('answers an offer WHIP style and carries control and events over the data channel', async () => {
    const client = await connect();
    const session = server.fakes.latest();
    // The call's own id: the session opens only once the peer has connected.
    expect(client.location).toMatch(/^\/v1\/webrtc\/wr_[\w-]{16}$/);
    expect(client.callKey).toMatch(/^[\w-]{43}$/);
    expect(client.pc.connectionState).toBe('connected');

    // Queued before the channel opened, delivered in order once it did.
    const ready = await client.waitForEvent('session.ready');
    expect(ready).toMatchObject({ session_id: session.id, agent: 'frontDesk', state: '1_greeting', mode: 'vad' });
    expect(client.events.slice(0, 3).map((e) => e.type)).toEqual(['session.ready', 'transcript', 'transcript']);

    client.send('not json');
    client.send({ type: 'dance' });
    client.send({ type: 'ptt.start' });
    await client.waitForEvent('audio.clear');
    client.send({ type: 'ptt.stop' });
    client.send({ type: 'mode', mode: 'ptt' });
    await client.waitForEvent('mode');

    const errors = client.events.filter((e) => e.type === 'error');
    expect(errors).toHaveLength(2);
    expect(errors.map((e) => e.code)).toEqual(['VG_ERR_BAD_FRAME', 'VG_ERR_BAD_FRAME']);
    expect(errors[0].message).toMatch(/not valid JSON/);
    expect(errors[1].message).toMatch(/unknown type "dance"/);
    expect(session.controls).toEqual([{ type: 'ptt.start' }, { type: 'ptt.stop' }, { type: 'mode', mode: 'ptt' }]);
    expect(session.endedWith).toBeUndefined();
  });

  it('carries microphone audio in at 24 kHz and agent audio out, both audible', async () => {
    const client = await connect();
    const session = server.fakes.latest();
    const speech = await speechPcm(SENTENCE, { rate: 48_000, leadingSilenceMs: 300, trailingSilenceMs: 300 });
    const speechMs = speech.length / 48 - 600;

    const started = performance.now();
    await client.speak(speech);
    await sleep(600); // jitter buffer and the fake's 300 ms echo delay
    const elapsedMs = performance.now() - started;

    // 24 kHz in real time: the edge delivered about as many samples as the wall clock allows.
    const sinceSpeaking = session.mic.filter((c) => c.atMs >= session.mic[0].atMs);
    const deliveredMs = sinceSpeaking.reduce((sum, c) => sum + c.samples, 0) / 24;
    expect(deliveredMs).toBeGreaterThan(elapsedMs * 0.8);
    // Speech lasts as long as it was spoken, counted in 24 kHz samples (a rate mix-up would be 2x
    // off); the jitter buffer may stretch it a little when the machine is busy.
    const firstLoud = session.mic.findIndex((c) => c.rms > SPEECH_RMS);
    const lastLoud = session.mic.findLastIndex((c) => c.rms > SPEECH_RMS);
    const loudMs = session.mic.slice(firstLoud, lastLoud + 1).reduce((sum, c) => sum + c.samples, 0) / 24;
    expect(loudMs).toBeGreaterThan(speechMs * 0.9);
    expect(loudMs).toBeLessThan(speechMs * 1.15);

    // The fake echoed the speech; it came back through the outgoing track.
    const back = client.received.filter((f) => f.rms > SPEECH_RMS && f.atMs > started);
    expect(back.length * 10).toBeGreaterThan(speechMs * 0.5);
    expect(session.edge.playedMs()).toBeGreaterThan(speechMs * 0.8);
  });

  it('counts played audio against the wall clock and clears it at once', async () => {
    const client = await connect();
    const edge = server.fakes.latest().edge;
    expect(edge.media).toEqual({ format: { type: 'audio/pcm', rate: 24000 } });

    const stalls = stallMeter();
    const t0 = performance.now();
    edge.sendAudio(tone(3_000).toString('base64'));
    const samples: { wallMs: number; playedMs: number; stalledMs: number }[] = [];
    for (let i = 0; i < 8; i++) {
      await sleep(125);
      samples.push({ wallMs: performance.now() - t0, playedMs: edge.playedMs(), stalledMs: stalls.stalledMs() });
    }
    stalls.stop();
    for (const { wallMs, playedMs, stalledMs } of samples) {
      // Never ahead of the clock by more than the pump's lead and the frame in flight; behind only by
      // what the event loop stalled (the pump re-anchors rather than bursting, so the listener hears it late too).
      expect(playedMs - wallMs).toBeLessThanOrEqual(LEAD_MS + 10.5);
      expect(wallMs - playedMs).toBeLessThan(25 + stalledMs);
    }

    await sleep(300); // the tone reaches the client's sink
    expect(client.received.filter((f) => f.rms > 2000).length).toBeGreaterThan(50);
    edge.clearAudio();
    const clearedAt = performance.now();
    expect(edge.playedMs()).toBe(0);
    await sleep(500);
    expect(edge.playedMs()).toBe(0);
    // Nothing new went out after the clear: only the jitter buffer's tail is still loud.
    const lateLoud = client.received.filter((f) => f.rms > 2000 && f.atMs > clearedAt + 300);
    expect(lateLoud).toHaveLength(0);

    // A short burst plays out whole and counts exactly.
    edge.sendAudio(tone(250).toString('base64'));
    await sleep(400);
    expect(edge.playedMs()).toBe(250);
  });

  it('rejects what is not an SDP offer with a clear error', async () => {
    const startedBefore = server.fakes.sessions.length;
    const post = (body: string, type?: string) =>
      fetch(`${server.url}/v1/webrtc`, { method: 'POST', headers: type ? { 'content-type': type } : {}, body });

    for (const type of ['application/json', 'text/plain', undefined]) {
      const res = await post('v=0', type);
      expect(res.status).toBe(415);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('VG_ERR_UNSUPPORTED_MEDIA_TYPE');
      expect(body.error.message).toContain('application/sdp');
    }

    for (const [sdp, reason] of [
      ['', /empty/],
      ['hello', /not SDP/],
      ['v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n', /no audio/],
      ['v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n', /./],
    ] as const) {
      const res = await post(sdp, 'application/sdp');
      expect(res.status, JSON.stringify(sdp)).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('VG_ERR_BAD_SDP');
      expect(body.error.message).toMatch(reason);
    }

    expect((await post(`v=0\r\n${'a=x\r\n'.repeat(20_000)}`, 'application/sdp')).status).toBe(413);

    const missing = await fetch(`${server.url}/v1/webrtc/nope`, { method: 'DELETE' });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('VG_ERR_SESSION_NOT_FOUND');
    // A rejected offer starts no session.
    expect(server.fakes.sessions.length).toBe(startedBefore);
  });

  it('ends the session on DELETE, on a data-channel hangup and when the peer goes away', async () => {
    const deleted = await connect();
    const byDelete = server.fakes.latest();
    // Only the call's creator may end it: no key, another call's key or a near miss is refused.
    const other = await connect();
    const nearMiss = deleted.callKey.slice(0, -1) + (deleted.callKey.endsWith('A') ? 'B' : 'A');
    for (const key of ['', other.callKey, nearMiss]) {
      const refused = await deleted.hangUp(server.url, key);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('VG_ERR_UNAUTHORIZED');
    }
    expect(byDelete.endedWith).toBeUndefined();
    expect((await other.hangUp(server.url)).status).toBe(204);
    const res = await deleted.hangUp(server.url);
    expect(res.status).toBe(204);
    expect(byDelete.endedWith).toBe('hangup');
    expect((byDelete.edge as WebrtcEdge).closed).toBe(true);
    await waitFor(() => deleted.channelClosed, 3_000, 'the client to see the channel close');
    expect(deleted.events.at(-1)).toEqual({ type: 'session.ended', reason: 'hangup' });
    expect((await deleted.hangUp(server.url)).status).toBe(404);

    const hungUp = await connect();
    const byHangup = server.fakes.latest();
    hungUp.send({ type: 'hangup' });
    await waitFor(() => byHangup.endedWith !== undefined, 3_000, 'hangup to end the session');
    expect(byHangup.endedWith).toBe('hangup');

    const gone = await connect();
    const byPeer = server.fakes.latest();
    gone.close();
    await waitFor(() => byPeer.endedWith !== undefined, 10_000, 'the peer closing to end the session');
    expect(byPeer.endedWith).toMatch(/data_channel_closed|connection_(closed|failed|lost)/);
    expect(server.fakes.live).toBe(0);
  });

  it('frees every peer, track, timer and resampler after many sessions', async () => {
    // Idle keep-alive HTTP sockets come and go with fetch's pool; close them so only leaks remain.
    const openFds = async () => {
      server.app.server.closeIdleConnections();
      await sleep(100);
      return readdirSync('/proc/self/fd').length;
    };
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    // One session first, so lazily created shared state (WASM, WebRTC threads) is not counted.
    const warm = await connect();
    await warm.hangUp(server.url);
    warm.close();
    await sleep(300);
    const fdsBefore = await openFds();
    const timersBefore = timers();
    const startedBefore = server.fakes.sessions.length;

    for (let round = 0; round < 10; round++) {
      const batch = await Promise.all([0, 1, 2].map(() => connect()));
      for (const client of batch) {
        server.fakes.sessions.at(-1)!.edge.sendAudio(tone(100).toString('base64'));
        const res = await client.hangUp(server.url);
        expect(res.status).toBe(204);
        client.close();
      }
      clients.splice(0);
    }
    await sleep(500); // close linger and native teardown

    const loop = server.fakes.sessions.slice(startedBefore);
    expect(loop).toHaveLength(30);
    expect(server.fakes.live).toBe(0);
    expect(loop.every((s) => (s.edge as WebrtcEdge).closed)).toBe(true);
    expect((await openFds()) - fdsBefore).toBeLessThanOrEqual(1);
    expect(timers() - timersBefore).toBeLessThanOrEqual(2);
  });
});

describe('browser edge limits and failures', () => {
  const apps: FastifyInstance[] = [];
  const clients: WebrtcTestClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const app of apps.splice(0)) await app.close();
  });

  it('refuses sessions over maxSessions with 503', async () => {
    const { app, url } = await startApp({ maxSessions: 1 });
    apps.push(app);
    const first = new WebrtcTestClient();
    clients.push(first);
    await first.connect(url);
    const second = new WebrtcTestClient();
    clients.push(second);
    await expect(second.connect(url)).rejects.toThrow(/503.*VG_ERR_SESSION_LIMIT/);
  });

  it('reports a session that cannot start on the events channel and frees the peer', async () => {
    const app = Fastify();
    apps.push(app);
    await app.register(webrtcEdge, { startSession: () => Promise.reject(new Error('backend down at 10.0.0.7')) });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const client = new WebrtcTestClient();
    clients.push(client);
    await client.connect(url);

    const ended = await client.waitForEvent('session.ended');
    expect(ended.reason).toBe('backend_unavailable');
    const error = client.events.find((e) => e.type === 'error');
    expect(error).toMatchObject({ code: 'VG_ERR_BACKEND' });
    // What went wrong inside stays in the gateway's log.
    expect(JSON.stringify(client.events)).not.toContain('10.0.0.7');
    await waitFor(() => client.channelClosed, 3_000, 'the channel to close');
    expect((await client.hangUp(url)).status).toBe(404);
  });

  it('opens no session for an offer that never connects, and drops its peer', async () => {
    const { app, url, fakes } = await startApp({ connectTimeoutMs: 300, maxSessions: 1 });
    apps.push(app);
    const client = new WebrtcTestClient();
    clients.push(client);
    const res = await client.offer(url);
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^application\/sdp/);
    const sdp = client.pc.localDescription?.sdp ?? '';
    client.close(); // the answer is never applied: ICE never starts

    // While it waits to connect it holds the only place...
    const again = () => fetch(`${url}/v1/webrtc`, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: sdp });
    expect((await again()).status).toBe(503);
    // ...until the connect timeout drops it.
    let status = 503;
    const deadline = performance.now() + 5_000;
    while (status === 503 && performance.now() < deadline) {
      await sleep(100);
      status = (await again()).status;
    }
    expect(status).toBe(201);
    expect(fakes.sessions).toHaveLength(0);
  });

  it('bounds the calls one address may hold while they connect', async () => {
    const { app, url } = await startApp({ maxPendingPerAddress: 2 });
    apps.push(app);
    const client = (): WebrtcTestClient => {
      const c = new WebrtcTestClient();
      clients.push(c);
      return c;
    };
    const waiting = [client(), client()];
    for (const c of waiting) expect((await c.offer(url)).status).toBe(201);
    const refused = await client().offer(url);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('VG_ERR_RATE_LIMITED');

    // A call that ends, or that connects, gives its place back.
    expect((await waiting[0].hangUp(url)).status).toBe(204);
    const caller = client();
    await caller.connect(url);
    await caller.waitForEvent('session.ready');
    expect((await client().offer(url)).status).toBe(201);
  });
});
