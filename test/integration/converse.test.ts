import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `npm run converse` as a user runs it: a child process with its own gateway and emulator. One
// run: the demo's happy path through the browser edge (a WebRTC peer), and the shipped phone call
// (through the Twilio edge) with a wrong expectation, whose turns all go through but which must
// fail with a sentence naming the expectation, and the exit code saying so.

interface Run { code: number; stdout: string; stderr: string }

function converse(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'src/converse/cli.ts', ...args], { timeout: 240_000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('npm run converse: conversation tests through the WebRTC and Twilio edges', () => {
  let dir: string;
  let run: Run;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vg-converse-'));
    const happy = await readFile('conversations/front-desk.yaml', 'utf8');
    await writeFile(join(dir, 'webrtc.yaml'), `edge: webrtc\n${happy.replace(/^name: .*$/m, 'name: happy path over WebRTC')}`);
    // The phone call, expecting a first name it was never given.
    const phone = await readFile('conversations/phone-caller.yaml', 'utf8');
    await writeFile(join(dir, 'wrong.yaml'), phone
      .replace(/^name: .*$/m, 'name: a wrong expectation')
      .replace('arguments: { first_name: Jane, last_name: Doe }', 'arguments: { first_name: John }'));
    run = await converse([join(dir, 'webrtc.yaml'), join(dir, 'wrong.yaml'), '--junit', join(dir, 'report.xml')]);
  }, 300_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('passes the demo flow spoken and typed through a WebRTC peer', () => {
    const first = run.stdout.slice(0, run.stdout.indexOf('wrong.yaml'));
    expect(first).toContain('(through the webrtc edge; backend: emulator, Realtime)');
    expect(first).toMatch(/✓ turn 2: say "Doe\. D O E\."  → frontDesk\/4_next_steps, tourGuide\/1_welcome · tools: change_state, authenticateUser/);
    expect(first).toContain('PASS');
  });

  it('walks the whole flow by voice through a Twilio phone call, seen through the gateway\'s facts', () => {
    const phone = run.stdout.slice(run.stdout.indexOf('wrong.yaml'));
    expect(phone).toContain('(through the twilio edge; backend: emulator, Realtime)');
    expect(phone).toMatch(/✓ turn 1: say "My first name is Jane, J A N E\."  → frontDesk\/2_get_first_name, frontDesk\/3_get_last_name · tools: change_state, change_state · first audio \d+ ms/);
    expect(phone).toMatch(/✓ turn 2: say "Doe\. D O E\."  → frontDesk\/4_next_steps, tourGuide\/1_welcome · tools: change_state, authenticateUser/);
    expect(phone).toMatch(/✓ turn 4: say "When is the pool open\?"  tools: getFacilityInfo/);
    expect(phone).toMatch(/✓ turn 5: say "No, that's all\. Thanks\."  → tourGuide\/3_wrap_up · tools: change_state/);
    // Only the deliberate mistake fails: the rest of its expectations (the end of the call included) held.
    expect(phone.match(/✗/g)).toHaveLength(1);
    // What only a phone line does: u-law frames every 20 ms, the agent played on the phone, marks echoed.
    // The agent said goodbye and hung up: Twilio is then told to hang up, with no apology.
    expect(phone).toMatch(/phone line: [1-9]\d* frames of u-law sent, [1-9]\d* ms of agent audio played, [1-9]\d* marks echoed; after the stream, a hang-up\n/);
    // The tools and their arguments, read from the gateway's facts, as the kiosk would have been told.
    expect(phone).toMatch(/called change_state .*authenticateUser \{"first_name":"Jane","last_name":"Doe"\}/);
  });

  it('fails the wrong expectation with a sentence naming it, exits 1, and writes JUnit', async () => {
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('expected a call of authenticateUser with arguments including {"first_name":"John"}');
    expect(run.stdout).toContain('1 passed, 1 failed');
    const junit = await readFile(join(dir, 'report.xml'), 'utf8');
    expect(junit).toMatch(/<testsuite[^>]* failures="1"/);
  });

  it('reports the state-graph coverage, naming what no test went through', () => {
    expect(run.stdout).toContain('untested transition: 2_overview → transferHuman');
  });

  it('refuses a typed turn on the phone edge before calling, naming the step', async () => {
    const typed = await converse(['conversations/front-desk.yaml', '--edge', 'twilio']);
    expect(typed.code).toBe(2);
    expect(typed.stderr).toContain('conversations/front-desk.yaml: at /turns/3: turn 4 types "When is the pool open?", but the twilio edge is a phone line and carries no text');
    expect(typed.stdout).not.toContain('through the');
  }, 60_000);
});
