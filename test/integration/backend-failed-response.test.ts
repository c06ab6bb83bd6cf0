import { afterEach, describe, expect, it } from 'vitest';
import { GREETING_SCRIPT, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { KioskClient } from '../helpers/kiosk-client.ts';

// Fault test: the backend ends responses as `failed` (a server error, no quota left). Without
// handling the caller hears only silence; the gateway asks once more for a transient failure and
// ends the call when the backend cannot answer, telling the client why.

const failed = (code: string) => () => ({
  type: 'response.done', event_id: `event_${code}`,
  response: { id: `resp_${code}`, object: 'realtime.response', status: 'failed', status_details: { type: 'failed', error: { type: 'server_error', code } }, output: [] },
});

describe('backend: failed responses', () => {
  let gw: TestGateway;
  let device: KioskClient;

  afterEach(async () => {
    device?.close();
    await gw?.close();
  });

  async function callThatFails(code: string): Promise<number> {
    gw = await startTestGateway({ script: GREETING_SCRIPT });
    device = await KioskClient.connect(gw.wsUrl);
    await device.waitFor('transcript', (e) => e.role === 'assistant' && e.final);
    const before = gw.tap.events.length;
    gw.tap.swallow((e) => e.type === 'response.create', failed(code));
    device.control({ type: 'input_text', text: 'hello?' });
    return before;
  }

  it('asks once more after a server error, then ends the call when that fails too', async () => {
    const before = await callThatFails('server_error');
    const ended = await device.waitFor('session.ended', () => true, 10_000);
    expect(ended).toMatchObject({ reason: 'backend_unavailable' });
    expect(gw.tap.events.slice(before).filter((e) => e.direction === 'client' && e.event.type === 'response.create')).toHaveLength(2);
    expect(device.events.filter((e) => e.type === 'error').map((e) => e.type === 'error' && e.code)).toContain('VG_ERR_BACKEND');
  });

  it('ends the call at once when the account has no quota left', async () => {
    const before = await callThatFails('insufficient_quota');
    const ended = await device.waitFor('session.ended', () => true, 10_000);
    expect(ended).toMatchObject({ reason: 'backend_unavailable' });
    expect(gw.tap.events.slice(before).filter((e) => e.direction === 'client' && e.event.type === 'response.create')).toHaveLength(1);
    const error = device.events.find((e) => e.type === 'error');
    expect(error).toMatchObject({ code: 'VG_ERR_BACKEND' });
    expect(JSON.stringify(error)).toContain('insufficient_quota');
  });
});
