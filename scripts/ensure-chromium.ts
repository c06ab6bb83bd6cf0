// `npm test` preflight: the browser tests drive a real Chromium and never skip, so make sure one
// runs here. Installs Debian's package when we are root with apt-get; otherwise says how to.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const DEFAULT_PATH = '/usr/bin/chromium';
const path = process.env.CHROMIUM_PATH || DEFAULT_PATH;

function chromiumVersion(): string | undefined {
  if (!existsSync(path)) return undefined;
  const result = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 60_000 });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function run(command: string, args: string[]): boolean {
  console.log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return result.status === 0;
}

function canInstall(): boolean {
  const root = process.getuid?.() === 0;
  const apt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  // apt-get puts the binary at the default path; a custom CHROMIUM_PATH is the user's to provide.
  return root && apt && path === DEFAULT_PATH;
}

let version = chromiumVersion();
if (!version && canInstall()) {
  console.log(`Chromium not found at ${path}; the browser tests need it. Installing Debian's chromium package…`);
  if (run('apt-get', ['update']) && run('apt-get', ['install', '-y', 'chromium'])) version = chromiumVersion();
}
if (!version) {
  console.error(
    [
      `Chromium is required for the browser tests (test/browser) and was not found or does not run at ${path}.`,
      'Install it, then run npm test again:',
      '  Debian/Ubuntu:  sudo apt-get update && sudo apt-get install -y chromium',
      'or point CHROMIUM_PATH at a Chromium or Chrome binary:',
      '  CHROMIUM_PATH=/path/to/chromium npm test',
      '(Do not use `npx playwright install`: the tests use playwright-core with the system browser.)',
    ].join('\n'),
  );
  process.exit(1);
}
console.log(`chromium: ${version} (${path})`);
