// `npm start` as a process manager runs it: a real npm, a real gateway, real signals. Each test
// waits for events (the printed URL, the exit of npm, the close of the output pipe the gateway
// shares with npm, which closes only when the gateway is gone too).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { openRecordStore } from '../../src/records/open-store.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Generous: the gateway needs a few seconds to start its emulator on a busy machine. */
const WAIT_MS = 30_000;

interface Started {
  child: ChildProcess;
  /** The gateway's own pid, from its log (under npm it is npm's child, not npm). */
  gatewayPid: number;
  url: string;
  /** Its DATA_DIR (the call records' SQLite file), a fresh directory. */
  dataDir: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when nothing holds the output pipe any more: every process in the chain has ended. */
  closed: Promise<void>;
}

const started: Started[] = [];

/** Whether `pid` is a running process; a zombie (ended, not yet reaped by its new parent) is not. */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Resolves once /readyz says the gateway is draining. */
async function waitForDraining(url: string): Promise<void> {
  while ((await fetch(`${url}readyz`)).status !== 503) await new Promise((resolve) => setTimeout(resolve, 25));
}

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS);
    promise.then((value) => { clearTimeout(timer); resolve(value); }, reject);
  });
}

/**
 * Starts `command` with the offline emulator on a free port, in a process group of its own (as a
 * terminal or a service manager runs it), and waits for the printed URL.
 */
async function start(command: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Started> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vg-npm-start-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DATA_DIR: dataDir, ...extraEnv };
  for (const name of ['OPENAI_API_KEY', 'REALTIME_URL', 'GATEWAY_TOKENS', 'TWILIO_AUTH_TOKEN', 'PUBLIC_URL', 'DATABASE_URL', 'RECORDS']) delete env[name];
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let output = '';
  const ready = new Promise<{ url: string; gatewayPid: number }>((resolve, reject) => {
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      output += chunk;
      const url = /open (http:\/\/\S+)/.exec(output)?.[1];
      const pid = /"pid":(\d+)[^\n]*"msg":"gateway ready"/.exec(output)?.[1];
      if (url && pid) resolve({ url, gatewayPid: Number(pid) });
    });
    child.stderr?.resume();
    void exited.then(({ code }) => reject(new Error(`${command} exited (${code}) before it was ready:\n${output}`)));
  });
  const { url, gatewayPid } = await within(ready, `${command} ${args.join(' ')} to print its URL`);
  const run: Started = { child, gatewayPid, url, dataDir, exited, closed };
  started.push(run);
  return run;
}

describe('stopping the gateway', () => {
  afterAll(() => {
    for (const { child, gatewayPid, dataDir } of started) {
      for (const pid of [child.pid, gatewayPid]) if (pid !== undefined && isRunning(pid)) process.kill(pid, 'SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('npm start: SIGTERM to npm stops the gateway too', async () => {
    const run = await start('npm', ['start']);
    expect((await fetch(`${run.url}healthz`)).status).toBe(200);
    expect(run.gatewayPid).not.toBe(run.child.pid);
    run.child.kill('SIGTERM');
    await within(run.exited, 'npm to exit');
    await within(run.closed, 'the gateway to exit after npm');
    expect(isRunning(run.gatewayPid)).toBe(false);
    await expect(fetch(`${run.url}healthz`)).rejects.toThrow();
  }, 2 * WAIT_MS);

  it('npm start: a signal to the whole process group (Ctrl-C in a terminal, a service manager) drains once, though npm passes it on too', async () => {
    const run = await start('npm', ['start'], { DRAIN_TIMEOUT_S: '300' });
    const device = await KioskClient.connect(`${run.url.replace('http', 'ws')}v1/ws`);
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
    // The gateway gets the signal itself and again from npm: that must not count as a second signal.
    process.kill(-(run.child.pid ?? 0), 'SIGINT');
    await within(waitForDraining(run.url), 'the gateway to drain');
    const before = device.events.length;
    device.control({ type: 'input_text', text: 'Still there?' });
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && device.events.indexOf(e) > before);
    expect(device.events.some((e) => e.type === 'session.ended')).toBe(false);
    device.control({ type: 'hangup' }); // the last call ends: the drain is over
    await expect(within(run.exited, 'npm to exit')).resolves.toEqual({ code: 0, signal: null });
    await within(run.closed, 'the gateway to exit');
    // The shutdown flushed the call's record, its end included.
    const store = openRecordStore({ dataDir: run.dataDir });
    try {
      const { sessions } = await store.listSessions({ limit: 5 });
      expect(sessions.map((s) => [s.edge, s.end_reason])).toEqual([['kiosk', 'hangup']]);
    } finally {
      await store.close();
    }
  }, 2 * WAIT_MS);

  it('npm start: when npm is killed outright, the gateway notices and stops itself', async () => {
    const run = await start('npm', ['start']);
    run.child.kill('SIGKILL'); // nothing can be passed on: the gateway is orphaned
    await within(run.exited, 'npm to die');
    await within(run.closed, 'the orphaned gateway to stop');
    expect(isRunning(run.gatewayPid)).toBe(false);
    await expect(fetch(`${run.url}healthz`)).rejects.toThrow();
  }, 2 * WAIT_MS);

  it('the direct command for process managers exits cleanly on SIGTERM', async () => {
    const run = await start(process.execPath, ['--import', 'tsx', 'src/main.ts']);
    expect(run.gatewayPid).toBe(run.child.pid);
    run.child.kill('SIGTERM');
    await expect(within(run.exited, 'the gateway to exit')).resolves.toEqual({ code: 0, signal: null });
  }, 2 * WAIT_MS);

  it('a second gateway on a port in use says which variable moves it, and exits 1', async () => {
    const first = await start(process.execPath, ['--import', 'tsx', 'src/main.ts']);
    const port = new URL(first.url).port;
    const second = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT, env: { ...process.env, PORT: port, HOST: '127.0.0.1', OPENAI_API_KEY: '', REALTIME_URL: '', TWILIO_AUTH_TOKEN: '' }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    second.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await within(new Promise<number | null>((resolve) => second.once('exit', resolve)), 'the second gateway to exit');
    expect(code).toBe(1);
    expect(stderr).toContain(`127.0.0.1:${port} is already in use`);
    expect(stderr).toContain('PORT=');
    first.child.kill('SIGTERM');
    await within(first.exited, 'the first gateway to exit');
  }, 2 * WAIT_MS);
});
