import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { KioskClient } from '../helpers/kiosk-client.ts';

// The real gateway process (npm start's entry, embedded emulator), stopped the way a process
// manager or a rolling deploy stops it: SIGTERM, and sometimes a second one.

interface Gateway {
  child: ChildProcess;
  httpUrl: string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];

async function startGateway(env: Record<string, string>): Promise<Gateway> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', OPENAI_API_KEY: '', REALTIME_URL: '', TWILIO_AUTH_TOKEN: '', RECORDS: 'off', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const httpUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /open (http:\/\/[^\s/]+)\//.exec(out);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code} before listening`)));
  });
  return { child, httpUrl, exited };
}

async function readiness(httpUrl: string): Promise<{ status: number; body: { status: string } }> {
  const res = await fetch(`${httpUrl}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string } };
}

/** The HTTP answer to a WebSocket upgrade the server refuses. */
function refusedUpgrade(url: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
    });
  });
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('drain on SIGTERM', () => {
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('refuses new sessions at once, lets live calls go on, ends them with a goodbye at the deadline, exits 0', async () => {
    const gw = await startGateway({ DRAIN_TIMEOUT_S: '3' });
    expect(await readiness(gw.httpUrl)).toMatchObject({ status: 200, body: { status: 'ready' } });
    const device = await KioskClient.connect(`${gw.httpUrl.replace('http', 'ws')}/v1/ws`);
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);

    gw.child.kill('SIGTERM');
    await waitUntil(async () => (await readiness(gw.httpUrl)).status === 503);
    expect((await readiness(gw.httpUrl)).body.status).toBe('draining');
    // A new device is refused before the upgrade, with the coded reason.
    expect(await refusedUpgrade(`${gw.httpUrl.replace('http', 'ws')}/v1/ws`)).toMatchObject({ status: 503, body: { error: { code: 'VG_ERR_DRAINING' } } });

    // The live call goes on: a typed turn is answered.
    device.reportPlayed(device.receivedSinceClearMs);
    const before = device.events.length;
    device.control({ type: 'input_text', text: 'Still there?' });
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && device.events.indexOf(e) > before);

    // At the deadline: the goodbye is spoken, then the call ends, then the process exits 0.
    const audioAtDeadline = device.audioMs();
    const ended = await device.waitFor('session.ended', () => true, 30_000);
    expect(ended.reason).toBe('server_shutdown');
    expect(device.audioMs()).toBeGreaterThan(audioAtDeadline);
    expect(await gw.exited).toBe(0);
  }, 60_000);

  it('exits as soon as the last call ends, without waiting for the deadline', async () => {
    const gw = await startGateway({ DRAIN_TIMEOUT_S: '300' });
    const device = await KioskClient.connect(`${gw.httpUrl.replace('http', 'ws')}/v1/ws`);
    await device.waitFor('session.ready');
    gw.child.kill('SIGTERM');
    await waitUntil(async () => (await readiness(gw.httpUrl)).status === 503);
    device.control({ type: 'hangup' });
    expect(await gw.exited).toBe(0);
  }, 60_000);

  it('a second signal ends every call at once', async () => {
    const gw = await startGateway({ DRAIN_TIMEOUT_S: '300' });
    const device = await KioskClient.connect(`${gw.httpUrl.replace('http', 'ws')}/v1/ws`);
    await device.waitFor('session.ready');
    gw.child.kill('SIGTERM');
    await waitUntil(async () => (await readiness(gw.httpUrl)).status === 503);
    gw.child.kill('SIGINT');
    const ended = await device.waitFor('session.ended', () => true, 10_000);
    expect(ended.reason).toBe('server_shutdown');
    expect(await gw.exited).toBe(0);
  }, 60_000);
});
