// vitest globalSetup: a throwaway Redis server for the fleet tests, on a free port, removed at the
// end. Debian's redis-server is installed with apt-get when missing and running as root; without
// it the set-up fails saying how to get it: never skips.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import { freePort } from './free-port.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A Redis server of this test run alone; tests keep apart by key prefix. */
    redisUrl: string;
  }
}

export const REDIS_SERVER = '/usr/bin/redis-server';

/** The redis-server binary, installed from Debian's packages first when root and missing. */
export function redisServerBinary(): string {
  if (!existsSync(REDIS_SERVER) && process.getuid?.() === 0) {
    execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-q', 'redis-server'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  if (!existsSync(REDIS_SERVER)) {
    throw new Error('The fleet tests need Redis: install Debian\'s redis-server (apt-get install -y redis-server) so the tests can start one.');
  }
  return REDIS_SERVER;
}

/** Starts a redis-server with no persistence on a free loopback port; resolves once it answers. */
export async function startRedis(): Promise<{ url: string; process: ChildProcess; stop: () => void }> {
  const bin = redisServerBinary();
  const dir = mkdtempSync(join(tmpdir(), 'vg-redis-'));
  const port = await freePort();
  const child = spawn(bin, ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const stop = () => {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return { url, process: child, stop };
    } catch {
      client.disconnect();
      if (child.exitCode !== null || Date.now() > deadline) {
        stop();
        throw new Error(`redis-server on port ${port} did not start`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const redis = await startRedis();
  project.provide('redisUrl', redis.url);
  return redis.stop;
}
