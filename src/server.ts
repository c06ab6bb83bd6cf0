import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import fastifyStatic from '@fastify/static';
import rateLimit from '@fastify/rate-limit';
import type { Logger } from 'pino';
import { kioskEdge, MAX_FRAME_BYTES } from './edges/kiosk-ws.ts';
import { webrtcEdge } from './edges/browser-webrtc.ts';
import { twilioEdge } from './edges/phone-twilio.ts';
import { sipEdge } from './edges/phone-sip.ts';
import { OPENAI_REST_URL } from './backends/sideband.ts';
import { MAX_CONTROL_BYTES } from './edges/control.ts';
import { SessionRegistry } from './session/registry.ts';
import { createMetrics } from './observability/metrics.ts';
import { FactHub } from './observability/session-facts.ts';
import type { AgentRuntime } from './session/agent-runtime.ts';
import { DEFAULT_LINK_POLICY, type BackendTarget } from './session/backend-link.ts';
import type { Config } from './config.ts';
import { VgError } from './errors.ts';
import { requestTimeoutOptions } from './http/timeouts.ts';
import { securityHeaders } from './http/security-headers.ts';
import { GatewayLogController, markPageFiles } from './http/request-logging.ts';
import { BackendReachability } from './backends/reachability.ts';
import { PenaltyBox } from './edges/kiosk/penalty-box.ts';
import { installRecords } from './records/install.ts';
import type { RecordStore } from './records/types.ts';
import type { Fleet } from './fleet/fleet.ts';
import { LocalFleet } from './fleet/local-fleet.ts';

export interface ServerDeps {
  runtime: AgentRuntime;
  backend: BackendTarget;
  /** The backend's REST API (the Calls API of SIP calls) when it is not OpenAI's: the embedded emulator's. */
  restBaseUrl?: string;
  logger: Logger;
  /** Where call records go (migrated or not: writes wait for the migrations); none = no records. */
  records?: RecordStore;
  /** The replicas this gateway shares state with (openFleet); default a fleet of one. Its opener closes it. */
  fleet?: Fleet;
}

const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));
/** A repeat offender waits at most this long, and is forgiven after as long without an offence. */
const DEVICE_PENALTY_MAX_MS = 5 * 60_000;
const DEVICE_PENALTY_ADDRESSES = 10_000;

/**
 * The gateway as a Fastify app, not yet listening: main.ts listens, tests may `inject()` or listen
 * on port 0. Closing the app ends every live session.
 */
export async function buildServer(config: Config, deps: ServerDeps): Promise<FastifyInstance> {
  const logger: FastifyBaseLogger = deps.logger;
  const app = Fastify({ loggerInstance: logger, logController: new GatewayLogController(), ...requestTimeoutOptions(config.requestTimeoutMs) });
  // The gateway's own session facts: its metrics and call records listen, and so may tests.
  const facts = new FactHub(deps.logger);
  app.decorate('facts', facts);
  const fleet: Fleet = deps.fleet ?? new LocalFleet();
  const sessions = new SessionRegistry({
    facts,
    runtime: deps.runtime,
    backend: deps.backend,
    linkPolicy: { ...DEFAULT_LINK_POLICY, confirmTimeoutMs: config.backendTimeoutMs, pingIntervalMs: config.backendPingMs },
    toolTimeoutMs: config.toolTimeoutMs,
    maxSessions: config.maxSessions,
    maxCallMs: config.maxCallS * 1000,
    fleet,
  });
  app.decorate('sessions', sessions);
  app.addHook('preClose', async () => sessions.closeAll('server_shutdown'));
  await securityHeaders(app);

  // A frame over the cap closes that socket with 1009; other sessions are untouched.
  await app.register(websocket, { options: { maxPayload: Math.max(MAX_FRAME_BYTES, MAX_CONTROL_BYTES) } });
  // One route per file, not a wildcard: a wildcard GET route would also take WebSocket upgrades to
  // unknown paths (upgrading, then closing them) where a plain 404 is the honest answer.
  // The page's files (their request lines are debug).
  markPageFiles(app, PUBLIC_DIR);
  await app.register(fastifyStatic, { root: PUBLIC_DIR, wildcard: false });
  const reachability = new BackendReachability(deps.backend.url);
  app.addHook('onReady', async () => reachability.start());
  app.addHook('onClose', async () => reachability.stop());
  const backendState = () => (reachability.reachable === undefined ? 'unknown' : reachability.reachable ? 'reachable' : 'unreachable');
  // Liveness: the process serves. It says what readiness would, but never fails on it.
  app.get('/healthz', async () => ({ status: 'ok', sessions: sessions.size, draining: sessions.draining, backend: backendState(), replica: fleet.replicaId }));
  // Readiness: whether this replica should get new calls.
  app.get('/readyz', async (_req, reply) => {
    const status = sessions.draining ? 'draining' : reachability.reachable === false ? 'backend_unreachable' : 'ready';
    return reply.code(status === 'ready' ? 200 : 503).send({ status, sessions: sessions.size, backend: backendState() });
  });
  // onClose runs after preClose has ended the sessions, so their ends are still counted.
  const metrics = createMetrics(facts);
  app.addHook('onClose', async () => metrics.close());
  app.get('/metrics', async (_req, reply) => {
    reply.type(metrics.register.contentType);
    return metrics.register.metrics();
  });
  if (deps.records) {
    const queue = installRecords(app, {
      store: deps.records,
      facts,
      graph: (agent) => {
        try {
          return deps.runtime.graph(agent);
        } catch {
          return undefined; // a record of an agent this gateway no longer loads
        }
      },
      adminToken: config.adminToken,
      retentionDays: config.recordsRetentionDays,
      log: deps.logger,
      metrics: metrics.register,
    });
    // A shared database: a survivor writes the end of a dead replica's calls (an embedded file is per replica).
    if (deps.records.kind === 'postgres') {
      fleet.onLost('session', async (sessionId, entry, lostAt) => {
        if (entry.kind === 'session') queue.push({ kind: 'end', sessionId, edge: entry.edge, startedAt: entry.startedAt, endedAt: lostAt, reason: 'replica_lost' });
      });
    }
  }
  // Opening a session costs a backend connection: each address may open only so many a minute.
  await app.register(rateLimit, {
    global: false,
    // Counted fleet-wide with REDIS_URL; a Redis that is away lets sessions through (each replica's limits still hold).
    ...(fleet.rateLimitStore ? { redis: fleet.rateLimitStore, nameSpace: 'vg:rl:', skipOnError: true } : {}),
    errorResponseBuilder: (_req, context) => {
      const err = new VgError('VG_ERR_RATE_LIMITED', `at most ${context.max} a minute; retry in ${context.after}`);
      return { statusCode: err.httpStatus, error: { code: err.code, message: err.message } };
    },
  });
  const limit = { max: config.sessionsPerMinute, timeWindowMs: 60_000 };
  const penalty = new PenaltyBox({
    baseMs: config.devicePenaltyS * 1000, maxMs: DEVICE_PENALTY_MAX_MS, forgetMs: DEVICE_PENALTY_MAX_MS, maxEntries: DEVICE_PENALTY_ADDRESSES,
  });
  await app.register(kioskEdge, { startSession: sessions.start, tokens: config.gatewayTokens, rateLimit: limit, refusal: () => sessions.refusal(), penalty });
  await app.register(webrtcEdge, {
    startSession: sessions.start,
    refusal: () => sessions.refusal(),
    tokens: config.gatewayTokens,
    sessionTokenSecret: config.webrtcTokenSecret,
    maxSessions: config.maxSessions,
    rateLimit: limit,
    network: config.webrtcNetwork,
    fleet,
  });
  // The phone is off (its routes 404) unless Twilio's token is configured: never open by default.
  if (config.twilioAuthToken && config.publicUrl) {
    await app.register(twilioEdge, {
      startSession: sessions.start,
      hasRoom: () => sessions.hasRoom(),
      authToken: config.twilioAuthToken,
      publicUrl: config.publicUrl,
      fleet,
    });
  }
  // SIP calls are off (the webhook 404s) unless OpenAI's webhook secret is configured.
  if (config.openaiWebhookSecret) {
    await app.register(sipEdge, {
      startSession: sessions.start,
      refusal: () => sessions.refusal(),
      webhookSecret: config.openaiWebhookSecret,
      backend: deps.backend,
      restBaseUrl: config.openaiBaseUrl ?? deps.restBaseUrl ?? OPENAI_REST_URL,
      fleet,
    });
  }
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    sessions: SessionRegistry;
    facts: FactHub;
  }
}
