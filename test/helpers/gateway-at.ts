import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server.ts';
import { loadAgentSet } from '../../src/engine/agent-set.ts';
import type { AgentDefinition } from '../../src/engine/agent.ts';
import { createAgentRuntime } from '../../src/session/realtime-agents.ts';
import { withModel } from '../../src/backends/openai.ts';
import type { Config } from '../../src/config.ts';
import { agents as demoAgents, startAgent as demoStart, statesDir as demoStatesDir } from '../../agents/index.ts';
import { testConfig } from './gateway.ts';
import type { Fleet } from '../../src/fleet/fleet.ts';

export interface GatewayAt {
  app: FastifyInstance;
  wsUrl: string;
  httpUrl: string;
  close(): Promise<void>;
}

export interface GatewayAtOptions {
  config?: Partial<Config>;
  agents?: AgentDefinition[];
  startAgent?: string;
  statesDir?: string;
  /** By default silent (or at TEST_LOG_LEVEL). */
  logger?: Logger;
  /** The replicas it shares state with; default none. */
  fleet?: Fleet;
  /** The voice API `backendUrl` speaks; default realtime. */
  api?: 'realtime' | 'live';
}

/**
 * The real gateway (buildServer, listening on a free port) pointed straight at `backendUrl`, a
 * Realtime backend the test runs itself (no tap): an emulator process, a fake that misbehaves.
 */
export async function startGatewayAt(backendUrl: string, opts: GatewayAtOptions = {}): Promise<GatewayAt> {
  const agents = opts.agents ?? demoAgents;
  const runtime = createAgentRuntime(loadAgentSet(agents, opts.statesDir ?? demoStatesDir, opts.startAgent ?? (opts.agents ? agents[0].name : demoStart)));
  const app = await buildServer(testConfig(opts.config), {
    runtime,
    backend: opts.api === 'live'
      ? { api: 'live', url: backendUrl, apiKey: 'x', model: 'gpt-live-1', delegationModel: 'gpt-5.1' }
      : { url: withModel(backendUrl, 'gpt-realtime'), apiKey: 'x', model: 'gpt-realtime' },
    logger: opts.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    fleet: opts.fleet,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    wsUrl: `ws://127.0.0.1:${port}/v1/ws`,
    httpUrl: `http://127.0.0.1:${port}`,
    close: () => app.close(),
  };
}

/** Polls `condition` every 20 ms; throws naming `what` if it is not met within `timeoutMs`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
