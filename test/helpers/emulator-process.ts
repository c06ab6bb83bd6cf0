import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LISTENING = /Realtime emulator listening: (ws:\/\/\S+)/;

/** The emulator as its own process (`src/emulator/cli.ts`), as `npm run emulator` runs it. */
export interface EmulatorProcess {
  /** ws://127.0.0.1:PORT/v1/realtime?model=gpt-realtime, as the process printed it. */
  url: string;
  port: number;
  child: ChildProcess;
  /** Resolves once the process has exited (at once if it already has). */
  exited: Promise<void>;
  /** What the process wrote to stderr so far (for a failure message). */
  stderr(): string;
  /** SIGKILL: the process dies on the spot, its sockets with it (no close frames). */
  kill(): Promise<void>;
}

export interface EmulatorProcessOptions {
  /** 0 (default) = any free port. */
  port?: number;
  /** Path of a conversation script (.json). */
  script?: string;
  /** The bearer key it requires (`--api-key`); by default any key is accepted. */
  apiKey?: string;
  /** Longest wait for the process to print its URL. */
  startTimeoutMs?: number;
}

/** Starts `node --import tsx src/emulator/cli.ts` and resolves once it has printed its URL. */
export async function startEmulatorProcess(opts: EmulatorProcessOptions = {}): Promise<EmulatorProcess> {
  const args = ['--import', 'tsx', 'src/emulator/cli.ts', '--port', String(opts.port ?? 0), '--log-level', 'warn'];
  if (opts.script) args.push('--script', opts.script);
  if (opts.apiKey) args.push('--api-key', opts.apiKey);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the emulator process did not start within ${opts.startTimeoutMs ?? 30_000} ms; stderr: ${stderr}`));
    }, opts.startTimeoutMs ?? 30_000);
    // Read stdout to the end (a full pipe would block the process), looking for the URL line.
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = LISTENING.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the emulator process exited (${signal ?? code}) before listening; stderr: ${stderr}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    child,
    exited,
    stderr: () => stderr,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
