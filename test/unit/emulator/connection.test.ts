import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { RealtimeConnection } from '../../../src/emulator/connection.ts';
import { DEFAULT_CHOICES, DEFAULT_MAX_EVENT_BYTES, DEFAULT_TIMING } from '../../../src/emulator/options.ts';
import type { SpeechSynthesizer } from '../../../src/emulator/speech/index.ts';

/** Just enough of a `ws` socket for a session: it records what the session sends. */
class FakeSocket extends EventEmitter {
  readonly sent: string[] = [];
  send(data: string): void {
    this.sent.push(data);
  }
  ping(): void {}
  close(): void {}
}

function open(): { ws: FakeSocket; session: RealtimeConnection } {
  const ws = new FakeSocket();
  const session = new RealtimeConnection(ws as unknown as WebSocket, {
    kind: 'realtime',
    model: 'gpt-realtime',
    logger: pino({ level: 'silent' }),
    timing: { ...DEFAULT_TIMING, pingIntervalMs: 0 },
    choices: DEFAULT_CHOICES,
    // Never reached: no response is created here.
    synthesizer: {} as SpeechSynthesizer,
    script: undefined,
    sessionMaxMs: 60_000,
    maxEventBytes: DEFAULT_MAX_EVENT_BYTES,
  });
  return { ws, session };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('RealtimeConnection teardown', () => {
  it('leaves no timer behind once the socket has closed, even for work scheduled afterwards', async () => {
    vi.useFakeTimers();
    const { ws, session } = open();
    expect(vi.getTimerCount()).toBeGreaterThan(0); // the session-expiry timer
    ws.emit('close', 1000);
    await session.closed;
    expect(vi.getTimerCount()).toBe(0);
    // A handler still finishing after the close (e.g. a commit's transcription) schedules more.
    const late = vi.fn();
    session.later(1_000, late);
    expect(vi.getTimerCount()).toBe(0);
    await vi.runAllTimersAsync();
    expect(late).not.toHaveBeenCalled();
    expect(ws.sent.map((frame) => (JSON.parse(frame) as { type: string }).type)).toEqual(['session.created']);
  });
});
