// `npm run start:cluster`: one port, a gateway worker per core, the embedded emulator started once.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { freePort } from '../helpers/free-port.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function startCluster(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cluster.ts'], {
    cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

describe('cluster mode: one gateway process per core on one port', () => {
  it('serves from every worker on one port against one embedded emulator, and drains them all on SIGTERM', async () => {
    const port = await freePort();
    const run = startCluster({ PORT: String(port), WORKERS: '2', REDIS_URL: inject('redisUrl'), RECORDS: 'off', LOG_LEVEL: 'info' });
    try {
      await expect.poll(() => run.stdout().split('voice-gateway is running').length - 1, { timeout: 60_000, interval: 200 }).toBe(2);
      const url = `http://127.0.0.1:${port}`;
      const seen = new Set<string>();
      // The primary hands connections to the workers in turn.
      for (let i = 0; i < 10 && seen.size < 2; i++) {
        const res = await fetch(`${url}/healthz`, { headers: { connection: 'close' } });
        seen.add(((await res.json()) as { replica: string }).replica);
      }
      expect(seen.size).toBe(2);
      // One emulator, in the primary: both workers use it as an external backend.
      const lines = run.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; backend?: string });
      expect(lines.filter((l) => l.msg === 'cluster: the embedded emulator, shared by every worker')).toHaveLength(1);
      expect(lines.filter((l) => l.msg === 'gateway ready').map((l) => l.backend)).toEqual(['external', 'external']);
      const device = await KioskClient.connect(`ws://127.0.0.1:${port}/v1/ws`);
      await device.waitFor('session.ready');
      device.close();
    } finally {
      run.child.kill('SIGTERM');
    }
    const [code] = await run.exited;
    expect(code).toBe(0);
    // Three processes start on a shared machine: more than the default 30 s when it is busy.
  }, 90_000);

  it('stops with exit 1, saying so, when its workers cannot start because Redis does not answer', async () => {
    const run = startCluster({ PORT: String(await freePort()), WORKERS: '2', REDIS_URL: `redis://127.0.0.1:${await freePort()}`, RECORDS: 'off', LOG_LEVEL: 'info' });
    const [code] = await run.exited;
    expect(code).toBe(1);
    expect(run.stderr()).toMatch(/REDIS_URL=redis:\/\/127\.0\.0\.1:\d+\/? does not answer/);
    expect(run.stdout()).toContain('cluster: a worker could not start (its error is above); stopping the cluster');
  }, 60_000);

  it('replaces a worker that dies; while Redis is away the replacement is tried again with a back-off until Redis is back', async () => {
    const redis = new URL(inject('redisUrl'));
    const proxy = await startTcpProxy(redis.hostname, Number(redis.port));
    const run = startCluster({ PORT: String(await freePort()), WORKERS: '2', REDIS_URL: `redis://127.0.0.1:${proxy.port}`, RECORDS: 'off', LOG_LEVEL: 'info' });
    const logLines = () => run.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; pid: number; retry_ms?: number });
    const running = () => run.stdout().split('voice-gateway is running').length - 1;
    try {
      await expect.poll(running, { timeout: 60_000, interval: 200 }).toBe(2);
      await proxy.down();
      const [victim] = logLines().filter((l) => l.msg === 'gateway ready');
      process.kill(victim.pid, 'SIGKILL');
      await expect.poll(() => logLines().filter((l) => l.msg === 'cluster: a worker could not start; trying again').map((l) => l.retry_ms).slice(0, 2),
        { timeout: 60_000, interval: 200 }).toEqual([1_000, 2_000]);
      expect(run.child.exitCode).toBeNull();
      await proxy.up();
      await expect.poll(running, { timeout: 60_000, interval: 200 }).toBe(3);
    } finally {
      run.child.kill('SIGTERM');
      await proxy.close();
    }
    const [code] = await run.exited;
    expect(code).toBe(0);
  }, 120_000);

  it('refuses several workers without REDIS_URL, saying why', async () => {
    const run = startCluster({ PORT: String(await freePort()), WORKERS: '2', RECORDS: 'off' });
    const [code] = await run.exited;
    expect(code).toBe(1);
    expect(run.stderr()).toContain('WORKERS=2 needs REDIS_URL');
  });
});
