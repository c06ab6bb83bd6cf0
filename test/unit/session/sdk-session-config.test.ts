// Guards the one private SDK seam of src/session/sdk-session-config.ts: RealtimeSession must merge
// the config object it was given, as it is at the time, into every full session.update it sends.
// If an SDK upgrade breaks that, this test fails before any call keeps a stale turn mode or voice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { RealtimeAgent, RealtimeSession } from '@openai/agents/realtime';
import { startEmulator, type RunningEmulator } from '../../../src/emulator/index.ts';
import { withModel } from '../../../src/backends/openai.ts';
import { PCMU } from '../../../src/audio/format.ts';
import { SdkSessionConfig } from '../../../src/session/sdk-session-config.ts';
import { GatewayTransport } from '../../../src/session/gateway-transport.ts';
import { startWsTap, type WsTap } from '../../helpers/ws-tap.ts';

interface SentSession {
  audio?: { input?: { format?: unknown; turn_detection?: unknown }; output?: { format?: unknown; voice?: string } };
  instructions?: string;
}

describe('SdkSessionConfig: the SDK merges it into every session.update', () => {
  let emulator: RunningEmulator;
  let tap: WsTap;

  beforeAll(async () => {
    emulator = await startEmulator({ logger: pino({ level: 'silent' }), timing: { sessionUpdatedMs: 1 } });
    tap = await startWsTap(emulator.url);
  });
  afterAll(async () => {
    await tap?.close();
    await emulator?.close();
  });

  it('keeps the format, and carries a changed turn mode and a pinned voice into later updates', async () => {
    const config = new SdkSessionConfig(PCMU);
    const transport = new GatewayTransport({
      url: withModel(tap.url, 'gpt-realtime'), onAudio: () => {}, onMalformedAudio: () => {}, onMalformedEvent: () => {}, onInterrupt: () => {},
    });
    const first = new RealtimeAgent({ name: 'first', instructions: 'First agent.', voice: 'sage' });
    const second = new RealtimeAgent({ name: 'second', instructions: 'Second agent.', voice: 'coral' });
    const session = new RealtimeSession(first, { transport, model: 'gpt-realtime', config: config.config, tracingDisabled: true });
    await session.connect({ apiKey: 'test', url: withModel(tap.url, 'gpt-realtime') });
    try {
      await tap.waitFor((e) => e.direction === 'server' && e.event.type === 'session.updated');
      config.turnDetection = null;
      config.pinVoice('sage');
      config.pinVoice('coral'); // a pinned voice stays pinned
      await session.updateAgent(second);
      await tap.waitFor((e) => e.direction === 'client' && e.event.type === 'session.update'
        && JSON.stringify(e.event).includes('Second agent.'));
      // Full updates only: the SDK also sends a partial one that just turns tracing off.
      const updates = tap.clientEvents('session.update').map((e) => e.session as SentSession).filter((s) => s.instructions);
      expect(updates).toHaveLength(2);
      for (const update of updates) {
        expect(update.audio?.input?.format).toEqual({ type: 'audio/pcmu' });
        expect(update.audio?.output?.format).toEqual({ type: 'audio/pcmu' });
      }
      const last = updates.at(-1)!;
      expect(last.audio?.input?.turn_detection).toBeNull();
      expect(last.audio?.output?.voice).toBe('sage');
    } finally {
      session.close();
    }
  });
});
