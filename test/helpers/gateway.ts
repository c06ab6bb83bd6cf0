import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server.ts';
import { loadAgentSet } from '../../src/engine/agent-set.ts';
import type { AgentDefinition } from '../../src/engine/agent.ts';
import { createAgentRuntime } from '../../src/session/realtime-agents.ts';
import { withModel } from '../../src/backends/openai.ts';
import { startEmulator, type ConversationScript, type EmulatorTiming, type LiveChoices, type McpLimits, type RunningEmulator } from '../../src/emulator/index.ts';
import type { Config } from '../../src/config.ts';
import type { RecordStore } from '../../src/records/types.ts';
import { agents as demoAgents, startAgent as demoStart, statesDir as demoStatesDir } from '../../agents/index.ts';
import { startWsTap, type WsTap } from './ws-tap.ts';

/** Fast but ordered: the emulator keeps the protocol's event order, only the waits shrink. */
export const FAST_TIMING: Partial<EmulatorTiming> = {
  sessionUpdatedMs: 5,
  committedMs: 5,
  commitEmptyErrorMs: 50,
  responseCreatedMs: 10,
  firstDeltaMs: 10,
  rateLimitsMs: 5,
  transcriptionMs: 20,
  audioPace: 8,
};

/** GPT-Live's voice streams faster than real time in tests; usage is reported often. */
export const FAST_LIVE_CHOICES: Partial<LiveChoices> = { outputPace: 8, usageIntervalMs: 500 };

/** The smallest script: the agent says "Hi." when the session opens; later turns get the default responder. */
export const GREETING_SCRIPT: ConversationScript = { name: 'greeting', turns: [{ responses: [[{ say: 'Hi.' }]] }] };

export interface TestGateway {
  app: FastifyInstance;
  emulator: RunningEmulator;
  /** Every Realtime event between the gateway and the emulator, in order. */
  tap: WsTap;
  wsUrl: string;
  httpUrl: string;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  script?: ConversationScript | string;
  agents?: AgentDefinition[];
  startAgent?: string;
  statesDir?: string;
  config?: Partial<Config>;
  timing?: Partial<EmulatorTiming>;
  /** The emulator's deadlines and size limits for remote MCP servers. */
  mcp?: Partial<McpLimits>;
  /** The gateway's and the emulator's logger; by default silent (or at TEST_LOG_LEVEL). */
  logger?: Logger;
  /** The emulator's backend-session time limit (`session_expired` after it). */
  sessionMaxMs?: number;
  /** Turns the SIP edge on with this webhook secret, its Calls API on the emulator. */
  sipWebhookSecret?: string;
  /** Where call records go; none = no records. */
  records?: RecordStore;
  /** The voice API the gateway runs on; the emulator serves both. Default realtime. */
  api?: 'realtime' | 'live';
}

/** The gateway's configuration for tests: loopback, quiet, generous limits. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    host: '127.0.0.1',
    port: 0,
    realtimeModel: 'gpt-realtime',
    voiceApi: 'realtime',
    liveModel: 'gpt-live-1',
    liveDelegationModel: 'gpt-5.1',
    gatewayTokens: [],
    logLevel: 'silent',
    maxSessions: 100,
    sessionsPerMinute: 10_000,
    devicePenaltyS: 10,
    toolTimeoutMs: 10_000,
    requestTimeoutMs: 10_000,
    backendTimeoutMs: 10_000,
    backendPingMs: 5_000,
    drainTimeoutS: 300,
    maxCallS: 7_200,
    records: false,
    dataDir: './data',
    recordsRetentionDays: 30,
    ...overrides,
  };
}

/** The real gateway, listening on a free port, against the emulator through a recording tap. */
export async function startTestGateway(opts: TestGatewayOptions = {}): Promise<TestGateway> {
  const logger = opts.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const emulator = await startEmulator({
    script: opts.script, timing: { ...FAST_TIMING, ...opts.timing }, sessionMaxMs: opts.sessionMaxMs, mcp: opts.mcp, logger, liveChoices: FAST_LIVE_CHOICES,
  });
  const live = opts.api === 'live';
  const tap = await startWsTap(live ? emulator.liveUrl : emulator.url);
  const agents = opts.agents ?? demoAgents;
  const runtime = createAgentRuntime(loadAgentSet(agents, opts.statesDir ?? demoStatesDir, opts.startAgent ?? (opts.agents ? agents[0].name : demoStart)));
  const sip = opts.sipWebhookSecret ? { openaiWebhookSecret: opts.sipWebhookSecret, openaiBaseUrl: emulator.restUrl } : {};
  const config = testConfig({ ...sip, ...opts.config });
  const app = await buildServer(config, {
    runtime,
    backend: live
      ? { api: 'live', url: tap.url, apiKey: 'test-key', model: 'gpt-live-1', delegationModel: 'gpt-5.1' }
      : { url: withModel(tap.url, 'gpt-realtime'), apiKey: 'test-key', model: 'gpt-realtime' },
    logger,
    records: opts.records,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    emulator,
    tap,
    wsUrl: `ws://127.0.0.1:${port}/v1/ws`,
    httpUrl: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      await tap.close();
      await emulator.close();
    },
  };
}
