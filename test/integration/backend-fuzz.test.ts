import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server.ts';
import { loadAgentSet } from '../../src/engine/agent-set.ts';
import { createAgentRuntime } from '../../src/session/realtime-agents.ts';
import { withModel } from '../../src/backends/openai.ts';
import { agents, startAgent, statesDir } from '../../agents/index.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';
import { testConfig } from '../helpers/gateway.ts';
import { startFuzzBackend, type FuzzBackend } from '../helpers/fuzz-backend.ts';

// A backend that sends garbage: no event, however malformed, may take down more than its own
// session. A crash of the process would fail this file (vitest reports uncaught errors).

const SEEDS = [1, 2, 3, 4, 5, 6];

describe('backend fuzz: malformed events from the backend', () => {
  let backend: FuzzBackend;
  let app: FastifyInstance;
  let wsUrl: string;
  let httpUrl: string;

  beforeAll(async () => {
    // The first connection plays fair (the healthy call); every later one gets garbage.
    backend = await startFuzzBackend({ breaks: (connection) => connection > 0, seed: 7, frames: 3_000 });
    app = await buildServer(testConfig({ backendTimeoutMs: 5_000 }), {
      runtime: createAgentRuntime(loadAgentSet(agents, statesDir, startAgent)),
      backend: { url: withModel(backend.url, 'gpt-realtime'), apiKey: 'test-key', model: 'gpt-realtime' },
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    wsUrl = `ws://127.0.0.1:${port}/v1/ws`;
    httpUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await app?.close();
    await backend?.close();
  });

  it('survives generated garbage on other calls; the healthy call keeps its audio both ways', async () => {
    const healthy = await KioskClient.connect(wsUrl);
    await healthy.waitFor('session.ready');
    for (const seed of SEEDS) {
      const victim = await KioskClient.connect(wsUrl);
      await victim.waitFor('session.ready');
      const sentBefore = backend.sent();
      await waitUntil(() => backend.sent() >= sentBefore + 3_000 || victim.ws.readyState !== victim.ws.OPEN, `seed ${seed}: the garbage sent`);
      // The victim may go on or be ended; either way only it is touched.
      victim.close();
      expect(seed).toBeGreaterThan(0);
    }
    expect(backend.sent()).toBeGreaterThanOrEqual(3_000);

    // The healthy call: its microphone still reaches the backend and the echo still comes back.
    const before = healthy.audio.length;
    await healthy.sendPcm(new Int16Array(4_800).fill(1000), 4);
    await waitUntil(() => healthy.audio.length > before, 'the healthy echo');
    expect(healthy.ws.readyState).toBe(healthy.ws.OPEN);
    const health = await fetch(`${httpUrl}/healthz`);
    expect(health.status).toBe(200);
    healthy.close();
  }, 60_000);
});

async function waitUntil(condition: () => boolean, what = 'condition', timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not met in time`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
