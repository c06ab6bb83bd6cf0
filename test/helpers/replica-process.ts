// A gateway as its own process (`node --import tsx src/main.ts`), as a replica runs in production:
// configured by its environment, ready once it prints its URL, killed like a real one.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ReplicaProcess {
  readonly port: number;
  readonly url: string;
  /** Its id in the fleet, as /healthz names it. */
  readonly replicaId: string;
  readonly child: ChildProcess;
  /** Everything it wrote to stderr (a failed start says why there). */
  readonly stderr: () => string;
  /** Kills it and resolves once it has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startReplica(env: Record<string, string>, timeoutMs = 60_000): Promise<ReplicaProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    // Nothing of the caller's environment decides the backend: only what the test gives.
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`replica on port ${port} did not start within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
      let stdout = '';
      const onData = (chunk: string) => {
        stdout += chunk;
        if (!stdout.includes('voice-gateway is running')) return;
        clearTimeout(timer);
        // From here on its log is drained, not kept.
        child.stdout?.off('data', onData).resume();
        resolve();
      };
      child.stdout?.setEncoding('utf8').on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`replica exited (${code}) before it was ready: ${stderr}`));
      });
    });
  } catch (err) {
    await kill('SIGKILL');
    throw err;
  }
  const url = `http://127.0.0.1:${port}`;
  const health = (await (await fetch(`${url}/healthz`)).json()) as { replica: string };
  return { port, url, replicaId: health.replica, child, stderr: () => stderr, kill };
}
