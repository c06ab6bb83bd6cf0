import { FactHub } from '../../src/observability/session-facts.ts';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import websocket from '@fastify/websocket';
import pino from 'pino';
import { kioskEdge, MAX_FRAME_BYTES, type KioskEdgeOptions } from '../../src/edges/kiosk-ws.ts';
import { MAX_CONTROL_BYTES } from '../../src/edges/control.ts';
import { DEFAULT_LINK_POLICY } from '../../src/session/backend-link.ts';
import { SessionRegistry } from '../../src/session/registry.ts';
import { createAgentRuntime } from '../../src/session/realtime-agents.ts';
import { loadAgentSet } from '../../src/engine/agent-set.ts';
import { withModel } from '../../src/backends/openai.ts';
import { startEmulator, type ConversationScript } from '../../src/emulator/index.ts';
import { agents, startAgent, statesDir } from '../../agents/index.ts';
import { FAST_TIMING, GREETING_SCRIPT } from './gateway.ts';
import { startWsTap, type WsTap } from './ws-tap.ts';

/** Kiosk plugin options a test may tune (the gateway passes the defaults). */
export type KioskTuning = Pick<KioskEdgeOptions, 'heartbeatMs'>;

export interface KioskGateway {
  sessions: SessionRegistry;
  /** The gateway's session facts (a test may listen). */
  facts: FactHub;
  tap: WsTap;
  wsUrl: string;
  close(): Promise<void>;
}

/**
 * The kiosk plugin alone, with options the gateway's config does not expose, over the real session
 * registry, the emulator and a recording tap: the same wiring as src/server.ts, minus the other edges.
 */
export async function startKioskGateway(tuning: KioskTuning, script: ConversationScript = GREETING_SCRIPT): Promise<KioskGateway> {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const emulator = await startEmulator({ script, timing: FAST_TIMING, logger });
  const tap = await startWsTap(emulator.url);
  const facts = new FactHub(logger);
  const sessions = new SessionRegistry({
    facts,
    runtime: createAgentRuntime(loadAgentSet(agents, statesDir, startAgent)),
    backend: { url: withModel(tap.url, 'gpt-realtime'), apiKey: 'test-key', model: 'gpt-realtime' },
    linkPolicy: DEFAULT_LINK_POLICY,
    toolTimeoutMs: 10_000,
    maxSessions: 100,
  });
  const app = Fastify({ loggerInstance: logger });
  app.addHook('preClose', async () => sessions.closeAll('server_shutdown'));
  await app.register(websocket, { options: { maxPayload: Math.max(MAX_FRAME_BYTES, MAX_CONTROL_BYTES) } });
  await app.register(kioskEdge, { startSession: sessions.start, tokens: [], refusal: () => sessions.refusal(), ...tuning });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    sessions,
    facts,
    tap,
    wsUrl: `ws://127.0.0.1:${port}/v1/ws`,
    close: async () => {
      await app.close();
      await tap.close();
      await emulator.close();
    },
  };
}
