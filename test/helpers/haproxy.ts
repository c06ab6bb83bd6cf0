// A real load balancer in front of replicas: Debian's HAProxy, configured here, in the foreground.
// Round robin per request, WebSockets tunnelled, each replica taken out when its /readyz fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { freePort } from './free-port.ts';

const HAPROXY = '/usr/sbin/haproxy';

export interface LoadBalancer {
  readonly url: string;
  readonly wsUrl: string;
  stop(): Promise<void>;
}

function haproxyBinary(): string {
  if (!existsSync(HAPROXY) && process.getuid?.() === 0) {
    execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-q', 'haproxy'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  if (!existsSync(HAPROXY)) throw new Error('The fleet test needs HAProxy: install Debian\'s haproxy (apt-get install -y haproxy).');
  return HAPROXY;
}

export function haproxyConfig(port: number, replicaPorts: number[]): string {
  return [
    'global',
    '  maxconn 2000',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    // A WebSocket (kiosk, phone) is a tunnel once upgraded: it may stay quiet between turns.
    '  timeout tunnel 1h',
    'frontend gateways',
    `  bind 127.0.0.1:${port}`,
    '  default_backend replicas',
    'backend replicas',
    '  balance roundrobin',
    '  option httpchk GET /readyz',
    '  default-server inter 500ms fall 2 rise 1',
    ...replicaPorts.map((p, i) => `  server r${i} 127.0.0.1:${p} check`),
    '',
  ].join('\n');
}

export async function startHaproxy(replicaPorts: number[]): Promise<LoadBalancer> {
  const bin = haproxyBinary();
  const dir = mkdtempSync(join(tmpdir(), 'vg-haproxy-'));
  const port = await freePort();
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(cfg, haproxyConfig(port, replicaPorts));
  let output = '';
  // -db: foreground, no daemon; -W: master-worker, so SIGTERM stops it all.
  const child: ChildProcess = spawn(bin, ['-db', '-W', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`haproxy did not start: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/v1/ws`, stop };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
