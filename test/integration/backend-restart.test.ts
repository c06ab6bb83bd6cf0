import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulatorProcess, type EmulatorProcess } from '../helpers/emulator-process.ts';
import { startGatewayAt, waitUntil, type GatewayAt } from '../helpers/gateway-at.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { defineAgent } from '../../src/engine/agent.ts';
import { DEFAULT_LINK_POLICY } from '../../src/session/backend-link.ts';
import { UNAVAILABLE_TOOL_REPLY } from '../../src/emulator/response/plan.ts';
import type { ConversationScript } from '../../src/emulator/index.ts';

// Fault test: the backend process itself dies (SIGKILL: no close frames, every session it held
// gone with it) and a new one comes up on the same port, knowing nothing of the call. The gateway
// must reconnect within its retry policy and restore the conversation onto the new process: the
// device sees a pause (`backend.reconnecting`, `backend.restored`), not a new session, and the
// call goes on in the same state, with its history.

const STATES_DIR = fileURLToPath(new URL('../fixtures/states/', import.meta.url));

const restarter = defineAgent({
  name: 'restarter',
  voice: 'ash',
  sections: { roleAndObjective: 'Outlive a backend restart.' },
  statesFile: 'tester.json',
  tools: [],
  handoffs: [],
});

const GREETING = 'Welcome to the restart line.';
const script: ConversationScript = {
  name: 'restart',
  turns: [
    { responses: [[{ say: GREETING }]] },
    { user: 'Move on.', responses: [
      [{ call: 'change_state', arguments: { next_step: '2_done' } }],
      [{ say: 'Moved on.' }],
    ] },
    // 2_done allows no move, so a backend configured with it has no change_state to call: the
    // emulator then says its fallback instead. Configured with the start state, it would call it.
    { user: 'Are you still there?', responses: [
      [{ say: 'Still here.' }, { call: 'change_state', arguments: { next_step: '2_done' } }],
    ] },
  ],
};

/** How long the link keeps trying after a drop (before jitter): the restart must land inside it. */
const RETRY_WINDOW_MS = DEFAULT_LINK_POLICY.retryDelaysMs.reduce((a, b) => a + b, 0);

describe('backend restart: the emulator process is killed and started again on the same port', () => {
  let dir: string | undefined;
  let emulator: EmulatorProcess | undefined;
  let gw: GatewayAt | undefined;
  let device: KioskClient | undefined;

  afterEach(async () => {
    device?.ws.terminate();
    await gw?.close();
    await emulator?.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
    device = undefined;
    gw = undefined;
    emulator = undefined;
    dir = undefined;
  });

  it('the call reconnects to the new process and goes on in the same state, with its history', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vg-restart-'));
    const scriptPath = join(dir, 'restart.script.json');
    await writeFile(scriptPath, JSON.stringify(script));
    emulator = await startEmulatorProcess({ script: scriptPath });
    const { port } = emulator;
    gw = await startGatewayAt(`ws://127.0.0.1:${port}/v1/realtime`, { agents: [restarter], statesDir: STATES_DIR });

    device = await KioskClient.connect(gw.wsUrl);
    const ready = await device.waitFor('session.ready');
    expect(ready.state).toBe('1_start');
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && e.text === GREETING);
    device.reportPlayed(device.receivedSinceClearMs);
    device.control({ type: 'input_text', text: 'Move on.' });
    await device.waitFor('state.changed', (e) => e.to === '2_done');
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && e.text === 'Moved on.');
    device.reportPlayed(device.receivedSinceClearMs);

    // The process dies; the device hears that the backend is being restored.
    await emulator.kill();
    const killedAt = Date.now();
    await device.waitFor('backend.reconnecting');
    emulator = await startEmulatorProcess({ port, script: scriptPath });
    const restartMs = Date.now() - killedAt;
    await device.waitFor('backend.restored', () => true, 30_000).catch((err: unknown) => {
      throw new Error(`no backend.restored; the new process was up ${restartMs} ms after the kill (the link retries for about ${RETRY_WINDOW_MS} ms): ${String(err)}`);
    });
    const restoredAt = device.events.findIndex((e) => e.type === 'backend.restored');
    expect(device.events.findIndex((e) => e.type === 'backend.reconnecting')).toBeLessThan(restoredAt);
    const audioBefore = device.audio.length;

    // The next turn is answered by the new process, where the script is after the restored history
    // (a fresh conversation would answer "You said: …"), and in the current state (no change_state).
    device.control({ type: 'input_text', text: 'Are you still there?' });
    const answer = await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final && e.text.startsWith('Still here.'));
    expect(answer.text).toBe(`Still here. ${UNAVAILABLE_TOOL_REPLY}`);
    await waitUntil(() => device!.audio.length > audioBefore, 'agent audio after the restore');

    const after = device.events.slice(restoredAt);
    expect(after.filter((e) => e.type === 'tool.call' || e.type === 'state.changed')).toEqual([]);
    expect(device.events.filter((e) => e.type === 'session.ready')).toHaveLength(1);
    expect(device.events.filter((e) => e.type === 'state.changed').map((e) => e.to)).toEqual(['2_done']);
    expect(device.events.filter((e) => e.type === 'error' || e.type === 'session.ended')).toEqual([]);
    expect(device.events.filter((e) => e.type === 'backend.reconnecting')).toHaveLength(1);
    expect(gw.app.sessions.size).toBe(1);
  }, 60_000);

  it('a process that comes back refusing the session: each attempt fails at once, and the call ends with backend_lost', async () => {
    emulator = await startEmulatorProcess();
    const { port } = emulator;
    // BACKEND_TIMEOUT_MS well beyond the retry window: an attempt that waited for it would show.
    gw = await startGatewayAt(`ws://127.0.0.1:${port}/v1/realtime`, { config: { backendTimeoutMs: 20_000 } });
    device = await KioskClient.connect(gw.wsUrl);
    await device.waitFor('session.ready');

    await emulator.kill();
    await device.waitFor('backend.reconnecting');
    // Back on the same port, but with a key the gateway does not have: an `error`, then a close,
    // right after each upgrade (what the live service does with a wrong key).
    emulator = await startEmulatorProcess({ port, apiKey: 'not-the-gateways-key' });
    const ended = await device.waitFor('session.ended', () => true, 30_000);
    expect(ended.reason).toBe('backend_lost');
    expect(device.events.filter((e) => e.type === 'backend.restored')).toEqual([]);
    await waitUntil(() => gw!.app.sessions.size === 0, 'the session count back to 0');
  }, 60_000);
});
