// The emulator against @openai/agents' RealtimeSession over its WebSocket transport: what the
// gateway runs. The SDK sends its own session.update (semantic_vad, transcription, tools,
// tracing…), plays the audio it gets back and runs tools, so this is the compatibility check.
import { OpenAIRealtimeWebSocket, RealtimeAgent, RealtimeSession, tool, type RealtimeItem } from '@openai/agents/realtime';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { rms } from '../../src/audio/pcm.ts';
import { startEmulator, type ConversationScript, type RunningEmulator } from '../../src/emulator/index.ts';
import { SpeechSynthesizer } from '../../src/emulator/speech/index.ts';
import { chunks, speechPcm } from '../helpers/speech.ts';
import { EventLog, FAST_TIMING, type ServerEvent } from './emulator-client.ts';

const GREETING_SCRIPT: ConversationScript = {
  name: 'sdk spoken turn',
  turns: [{ user: 'Hello, who are you?', responses: [[{ say: 'I am the weather assistant. Ask me about the weather.' }]] }],
};

const WEATHER_SCRIPT: ConversationScript = {
  name: 'sdk tool call',
  turns: [
    {
      user: 'What is the weather in Paris?',
      responses: [[{ say: 'Let me check.' }, { call: 'get_weather', arguments: { city: 'Paris' } }], [{ say: 'It is sunny in Paris today.' }]],
    },
  ],
};

let synthesizer: SpeechSynthesizer;
const emulators: RunningEmulator[] = [];
const sessions: RealtimeSession[] = [];

beforeAll(() => {
  synthesizer = SpeechSynthesizer.create();
});

afterAll(async () => {
  for (const session of sessions) session.close();
  await Promise.all(emulators.map((e) => e.close()));
  await synthesizer.close();
});

async function emulatorWith(script: ConversationScript): Promise<RunningEmulator> {
  const emulator = await startEmulator({ script, synthesizer, timing: FAST_TIMING, logger: pino({ level: 'silent' }) });
  emulators.push(emulator);
  return emulator;
}

interface Connected {
  session: RealtimeSession;
  log: EventLog;
  audio: Buffer[];
  errors: unknown[];
}

async function connect(emulator: RunningEmulator, agent: RealtimeAgent): Promise<Connected> {
  const session = new RealtimeSession(agent, {
    transport: new OpenAIRealtimeWebSocket({ url: `${emulator.url}?model=gpt-realtime` }),
    model: 'gpt-realtime',
  });
  sessions.push(session);
  const log = new EventLog();
  const audio: Buffer[] = [];
  const errors: unknown[] = [];
  // The SDK passes every server event on as a transport event.
  session.on('transport_event', (event) => log.push(event as ServerEvent));
  session.on('audio', (event) => audio.push(Buffer.from(event.data)));
  session.on('error', (event) => errors.push(event.error));
  await session.connect({ apiKey: 'test' });
  await log.waitFor('session.updated');
  return { session, log, audio, errors };
}

/** Streams speech as a microphone would, in 20 ms frames (faster than real time). */
async function speak(session: RealtimeSession, text: string): Promise<void> {
  const pcm = await speechPcm(text, { leadingSilenceMs: 600, trailingSilenceMs: 900 });
  for (const frame of chunks(pcm, 20, 24_000)) session.sendAudio(frame.slice().buffer);
}

function waitForHistory(session: RealtimeSession, predicate: (history: RealtimeItem[]) => boolean, timeoutMs = 15_000): Promise<RealtimeItem[]> {
  if (predicate(session.history)) return Promise.resolve(session.history);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`history never matched: ${JSON.stringify(session.history)}`)), timeoutMs);
    const listener = (history: RealtimeItem[]): void => {
      if (!predicate(history)) return;
      clearTimeout(timer);
      session.off('history_updated', listener);
      resolve(history);
    };
    session.on('history_updated', listener);
  });
}

function assistantSaid(history: RealtimeItem[], transcript: string): boolean {
  return history.some(
    (item) => item.type === 'message' && item.role === 'assistant' && item.status === 'completed' && item.content.some((c) => c.type === 'output_audio' && c.transcript === transcript),
  );
}

describe('emulator with @openai/agents RealtimeSession', () => {
  it('accepts the SDK session config and completes a spoken turn with audio back', async () => {
    const emulator = await emulatorWith(GREETING_SCRIPT);
    const agent = new RealtimeAgent({ name: 'Assistant', instructions: 'Answer briefly.' });
    const { session, log, audio, errors } = await connect(emulator, agent);

    // The SDK's own defaults (semantic VAD, transcription) were accepted.
    const updated = log.of('session.updated').at(-1)?.session;
    expect(updated?.audio?.input?.turn_detection?.type).toBe('semantic_vad');

    await speak(session, 'Hello, who are you?');
    const history = await waitForHistory(session, (h) => assistantSaid(h, 'I am the weather assistant. Ask me about the weather.'));
    // Everything the SDK sent was accepted: no error events at all.
    expect(log.of('error')).toEqual([]);
    expect(errors).toEqual([]);

    // The user's turn carries the scripted transcript (input transcription is on in the SDK's config).
    await waitForHistory(session, (h) => h.some((i) => i.type === 'message' && i.role === 'user' && i.content.some((c) => c.type === 'input_audio' && c.transcript === 'Hello, who are you?')));
    expect(history.filter((i) => i.type === 'message').map((i) => (i.type === 'message' ? i.role : ''))).toEqual(['user', 'assistant']);

    // Real speech came back through the SDK's audio event: PCM16 at 24 kHz, clearly not silence.
    const pcm = Buffer.concat(audio);
    const samples = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 2);
    expect(samples.length / 24).toBeGreaterThan(1500);
    expect(rms(samples)).toBeGreaterThan(1000);
  });

  it('runs a scripted tool call: the SDK executes the tool, sends its output and gets the spoken answer', async () => {
    const emulator = await emulatorWith(WEATHER_SCRIPT);
    const calls: Array<{ city: string }> = [];
    const getWeather = tool({
      name: 'get_weather',
      description: 'The current weather in a city.',
      parameters: z.object({ city: z.string() }),
      execute: async (args) => {
        calls.push(args);
        return `Sunny, 24 degrees in ${args.city}.`;
      },
    });
    const agent = new RealtimeAgent({ name: 'Weather', instructions: 'Use get_weather for weather questions.', tools: [getWeather] });
    const { session, log, errors } = await connect(emulator, agent);

    await speak(session, 'What is the weather in Paris?');
    await waitForHistory(session, (h) => assistantSaid(h, 'It is sunny in Paris today.'));

    expect(calls).toEqual([{ city: 'Paris' }]);
    const call = await log.waitFor('response.function_call_arguments.done');
    expect(call.name).toBe('get_weather');
    expect(JSON.parse(call.arguments)).toEqual({ city: 'Paris' });
    // The tool output joined the conversation under the call's call_id, then a second response answered.
    const { item: output } = await log.waitFor('conversation.item.added', (e) => e.item.type === 'function_call_output');
    if (output.type !== 'function_call_output') throw new Error('unreachable');
    expect(output.call_id).toBe(call.call_id);
    expect(output.output).toContain('Sunny, 24 degrees in Paris.');
    const first = await log.waitFor('response.done');
    await log.waitFor('response.done', () => true, { from: log.events.indexOf(first) + 1 });
    const done = log.of('response.done');
    expect(done.map((e) => e.response.status)).toEqual(['completed', 'completed']);
    expect(log.of('error')).toEqual([]);
    expect(errors).toEqual([]);
  });
});
