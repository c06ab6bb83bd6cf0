import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { agents, startAgent, statesDir } from '../../agents/index.ts';
import { DEFAULT_EMULATOR_SCRIPT } from '../backends/emulator.ts';
import { startBackend } from '../backends/start-backend.ts';
import { loadConfig } from '../config.ts';
import { loadAgentSet } from '../engine/agent-set.ts';
import { SpeechSynthesizer } from '../emulator/speech/index.ts';
import { buildServer } from '../server.ts';
import { createAgentRuntime } from '../session/realtime-agents.ts';
import { coverage, coverageReport } from './coverage.ts';
import { junitXml } from './junit.ts';
import { KioskCaller } from './kiosk-caller.ts';
import { runConversation, type CallerFactory, type ConversationReport } from './run.ts';
import { checkEdge, EDGES, loadConversationTest, type ConversationTest, type Edge } from './test-file.ts';
import { TwilioCaller } from './twilio-caller.ts';
import { WebrtcCaller } from './webrtc-caller.ts';

// `npm run converse -- FILE… [--junit out.xml]`: offline conversation tests. Each file gets its
// own gateway (its start agent, its script) on a loopback port, against the embedded emulator,
// or against OpenAI when OPENAI_API_KEY is set; its caller speaks through the file's edge (the
// kiosk WebSocket unless it says `edge: webrtc` or `edge: twilio`, or `--edge` says otherwise
// for every file).

const USAGE = `Usage: npm run converse -- FILE.yaml|FILE.json … [--edge ${EDGES.join('|')}] [--junit report.xml]`;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { junit: { type: 'string' }, edge: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help || parsed.positionals.length === 0) {
    console.error(USAGE);
    return parsed.values.help ? 0 : 2;
  }
  const edge = parsed.values.edge;
  if (edge !== undefined && !isEdge(edge)) {
    console.error(`--edge ${edge}: not an edge; one of ${EDGES.join(', ')}\n${USAGE}`);
    return 2;
  }
  const tests: { file: string; test: ConversationTest; edge: Edge }[] = [];
  try {
    for (const file of parsed.positionals) {
      const test = await loadConversationTest(file);
      const on = edge ?? test.edge ?? 'kiosk';
      checkEdge(test, on, file);
      tests.push({ file, test, edge: on });
    }
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  const synthesizer = SpeechSynthesizer.create();
  const reports: ConversationReport[] = [];
  try {
    for (const { file, test, edge: on } of tests) {
      console.log(`${file}: ${test.name}`);
      reports.push(await runFile(file, test, on, logger, synthesizer));
      const report = reports.at(-1)!;
      const own = report.failures.filter((f) => !/^turn \d+: /.test(f));
      for (const failure of own) console.log(`  ✗ ${failure}`);
      console.log(`  ${report.failures.length === 0 ? 'PASS' : 'FAIL'} (${(report.durationMs / 1000).toFixed(1)} s)\n`);
    }
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  } finally {
    await synthesizer.close();
  }
  const set = loadAgentSet(agents, statesDir, startAgent);
  const runtime = createAgentRuntime(set);
  console.log(coverageReport(coverage([...set.byName.keys()].map((name) => runtime.graph(name)), reports.map((r) => r.observed))).join('\n'));
  const failed = reports.filter((r) => r.failures.length > 0);
  console.log(`\n${reports.length - failed.length} passed, ${failed.length} failed`);
  if (parsed.values.junit) await writeFile(parsed.values.junit, junitXml(reports));
  return failed.length > 0 ? 1 : 0;
}

function isEdge(value: string): value is Edge {
  return (EDGES as readonly string[]).includes(value);
}

async function runFile(file: string, test: ConversationTest, edge: Edge, logger: pino.Logger, synthesizer: SpeechSynthesizer): Promise<ConversationReport> {
  // The phone edge needs Twilio's signing key and the URL Twilio believes it calls: the test's own, made up.
  const phone = { authToken: randomBytes(16).toString('hex'), publicUrl: 'https://converse.invalid' };
  const twilio = edge === 'twilio' ? { TWILIO_AUTH_TOKEN: phone.authToken, PUBLIC_URL: phone.publicUrl } : {};
  const base = loadConfig({ ...process.env, HOST: '127.0.0.1', PORT: '0', RECORDS: 'off', ...twilio });
  // The test's own loopback gateway: no device tokens to present, no browser page tokens.
  const config = { ...base, gatewayTokens: [], webrtcTokenSecret: undefined, logLevel: 'silent' };
  const set = loadAgentSet(agents, statesDir, test.agent ?? startAgent);
  // The backend the environment names (VOICE_API, OPENAI_API_KEY, REALTIME_URL/LIVE_URL), else the emulator with the test's script.
  const backend = await startBackend(config, logger, set, test.script ?? DEFAULT_EMULATOR_SCRIPT);
  const app = await buildServer(config, { runtime: createAgentRuntime(set), backend: backend.target, restBaseUrl: backend.restBaseUrl, logger });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const connect: Record<Edge, CallerFactory> = {
      kiosk: () => KioskCaller.connect(`ws://127.0.0.1:${port}/v1/ws`),
      webrtc: () => WebrtcCaller.connect(`http://127.0.0.1:${port}`),
      twilio: () => TwilioCaller.dial({ httpUrl: `http://127.0.0.1:${port}`, ...phone, facts: app.facts }),
    };
    console.log(`  (through the ${edge} edge; backend: ${backend.kind}, ${config.voiceApi === 'live' ? 'GPT-Live' : 'Realtime'})`);
    return await runConversation(test, file, connect[edge], synthesizer, (line) => console.log(line));
  } finally {
    await app.close();
    await backend.close();
  }
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
});
