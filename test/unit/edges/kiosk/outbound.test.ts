import { describe, expect, it } from 'vitest';
import {
  ERROR_BURST, ERRORS_PER_SECOND, MAX_BUFFERED_AUDIO_BYTES, MAX_BUFFERED_BYTES, Outbound, type OutboundSocket,
} from '../../../../src/edges/kiosk/outbound.ts';

/** A socket whose queue does not drain: everything sent stays buffered, as with a device that does not read. */
class StalledSocket implements OutboundSocket {
  bufferedAmount = 0;
  readonly sent: (Buffer | string)[] = [];

  send(data: Buffer | string): void {
    this.sent.push(data);
    this.bufferedAmount += Buffer.byteLength(data);
  }
}

describe('Outbound', () => {
  it('stops queueing audio past the audio cap, then events past the overall cap, and counts what it dropped', () => {
    const socket = new StalledSocket();
    const out = new Outbound(socket);
    const chunk = Buffer.alloc(64 * 1024);
    for (let i = 0; i < 1000; i++) out.audio(chunk);
    expect(socket.bufferedAmount).toBeLessThanOrEqual(MAX_BUFFERED_AUDIO_BYTES + chunk.length);
    expect(out.drops.audioBytes).toBe(1000 * chunk.length - socket.sent.length * chunk.length);

    // Events still go out past a full audio queue...
    out.event({ type: 'session.ended', reason: 'hangup' });
    expect(socket.sent.at(-1)).toBe('{"type":"session.ended","reason":"hangup"}');
    // ...until the overall cap, however many come.
    const text = 'x'.repeat(1000);
    for (let i = 0; i < 100_000; i++) out.event({ type: 'transcript', role: 'assistant', text, final: false, item_id: 'i' });
    expect(socket.bufferedAmount).toBeLessThanOrEqual(MAX_BUFFERED_BYTES + 2000);
    expect(out.drops.events).toBeGreaterThan(90_000);
    expect(out.dropped()).toBe(true);
  });

  it('sends a burst of error replies, then a few a second, counting the rest', () => {
    let now = 0;
    const socket = new StalledSocket();
    const out = new Outbound(socket, () => now);
    const error = { type: 'error', code: 'VG_ERR_BAD_FRAME', message: 'bad' } as const;
    for (let i = 0; i < 1000; i++) out.event(error);
    expect(socket.sent).toHaveLength(ERROR_BURST);
    expect(out.drops.errors).toBe(1000 - ERROR_BURST);
    now += 1000;
    for (let i = 0; i < 1000; i++) out.event(error);
    expect(socket.sent).toHaveLength(ERROR_BURST + ERRORS_PER_SECOND);
    // Other events are not held back by the error limit.
    out.event({ type: 'mode', mode: 'ptt' });
    expect(socket.sent.at(-1)).toBe('{"type":"mode","mode":"ptt"}');
  });
});
