import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEdge, loadConversationTest } from '../../../src/converse/test-file.ts';

describe('conversation test files: what an edge can carry', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vg-test-file-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function load(yaml: string) {
    const path = join(dir, `t${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(path, yaml);
    return { path, test: await loadConversationTest(path) };
  }

  it('refuses a typed turn on the phone edge, naming the turn, and takes it on the others', async () => {
    const { path, test } = await load('name: n\nedge: twilio\nturns:\n  - say: Hello.\n  - type: Doe.\n');
    expect(test.edge).toBe('twilio');
    expect(() => checkEdge(test, 'twilio', path)).toThrow(`${path}: at /turns/1: turn 2 types "Doe.", but the twilio edge is a phone line and carries no text`);
    expect(() => checkEdge(test, 'kiosk', path)).not.toThrow();
    expect(() => checkEdge(test, 'webrtc', path)).not.toThrow();
  });

  it('takes a phone test that only speaks', async () => {
    const { path, test } = await load('name: n\nedge: twilio\nturns:\n  - say: Hello.\n');
    expect(() => checkEdge(test, 'twilio', path)).not.toThrow();
  });

  it('refuses an edge it does not know, at load, saying which there are', async () => {
    await expect(load('name: n\nedge: sip\nturns:\n  - say: Hello.\n')).rejects.toThrow(/at \/edge: expected one of .*kiosk.*webrtc.*twilio/);
  });
});
