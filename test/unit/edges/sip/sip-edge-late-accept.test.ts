import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { SipEdge, type CallControl } from '../../../../src/edges/sip/sip-edge.ts';

// A drain or shutdown that ends a SIP call while its accept is still on its way: the reject sent
// meanwhile comes too late, the accept goes through, and the call it put up must be hung up.

function lateAccept(api: 'realtime' | 'live') {
  const actions: string[] = [];
  let finishAccept = () => {};
  const accepting = new Promise<void>((resolve) => { finishAccept = resolve; });
  const control = {
    accept: async () => { actions.push('accept'); await accepting; },
    reject: async () => { actions.push('reject'); throw new Error('409 the call is already accepted'); },
    refer: async () => { actions.push('refer'); },
    hangup: async () => { actions.push('hangup'); },
  };
  const calls = (api === 'live' ? { api, sessions: control } : { api, calls: control }) as unknown as CallControl;
  const edge = new SipEdge({ callId: 'rtc_1', caller: {}, calls, log: pino({ level: 'silent' }) });
  return { edge, actions, finishAccept };
}

describe('SIP edge: an accept that lands after the call was ended', () => {
  for (const api of ['realtime', 'live'] as const) {
    it(`hangs the accepted call up (${api})`, async () => {
      const { edge, actions, finishAccept } = lateAccept(api);
      const accepted = api === 'live' ? edge.acceptLiveCall({ type: 'live', model: 'gpt-live-1' }) : edge.acceptCall({ type: 'realtime' });
      edge.close('server_shutdown');
      finishAccept();
      await accepted;
      await new Promise((resolve) => setImmediate(resolve));
      expect(actions).toEqual(['accept', 'reject', 'hangup']);
    });
  }
});
