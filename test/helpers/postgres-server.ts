// vitest globalSetup: a real PostgreSQL server for the record tests, found or started once per run.
// Order: TEST_DATABASE_URL; a server already on 127.0.0.1:5432 (trust auth, user postgres); else a
// throwaway cluster from Debian's binaries (installed with apt-get when missing and running as root),
// stopped and removed at the end. With none of these it fails saying how to get one: never skips.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { freePort } from './free-port.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL URL whose user may create schemas; each test makes its own. */
    databaseUrl: string;
  }
}

const LOCAL = 'postgres://postgres@127.0.0.1:5432/postgres';

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_500 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function pgBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(a) - Number(b));
  return versions.length ? join(root, versions.at(-1)!, 'bin') : undefined;
}

const isRoot = (): boolean => process.getuid?.() === 0;

/** Runs a PostgreSQL binary as the postgres user when root (initdb refuses root), else as ourselves. */
function runPg(bin: string, args: string[]): void {
  const result = isRoot()
    ? spawnSync('runuser', ['-u', 'postgres', '--', bin, ...args], { encoding: 'utf8' })
    : spawnSync(bin, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed: ${result.stderr || result.stdout || result.error?.message}`);
}

async function startCluster(): Promise<{ url: string; stop: () => void }> {
  let bin = pgBin();
  if (!bin && isRoot()) {
    execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-q', 'postgresql'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    bin = pgBin();
  }
  if (!bin) {
    throw new Error('The record tests need PostgreSQL: set TEST_DATABASE_URL, start a server on 127.0.0.1:5432 '
      + '(trust auth, user postgres), or install Debian\'s postgresql (apt-get install -y postgresql) so the tests can start one.');
  }
  const dir = mkdtempSync(join(tmpdir(), 'vg-pg-'));
  if (isRoot()) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  const port = await freePort();
  runPg(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
  runPg(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-l', join(dir, 'log'), '-w', 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => {
      try {
        runPg(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    if (!(await answers(given))) throw new Error(`TEST_DATABASE_URL (${given.replace(/:[^:@/]*@/, ':***@')}) does not answer`);
    project.provide('databaseUrl', given);
    return undefined;
  }
  if (await answers(LOCAL)) {
    project.provide('databaseUrl', LOCAL);
    return undefined;
  }
  const cluster = await startCluster();
  project.provide('databaseUrl', cluster.url);
  return cluster.stop;
}
