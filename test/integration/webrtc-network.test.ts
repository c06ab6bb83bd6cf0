import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webrtcEdge } from '../../src/edges/browser-webrtc.ts';
import type { WebrtcNetwork } from '../../src/edges/webrtc/network.ts';
import type { WebrtcEdge } from '../../src/edges/webrtc/webrtc-edge.ts';
import { FakeSessions, waitFor } from '../helpers/fake-session.ts';
import { heldSockets, type HeldSocket } from '../helpers/process-sockets.ts';
import { StunListener } from '../helpers/stun-listener.ts';
import { WebrtcTestClient } from '../helpers/webrtc-client.ts';

// Ranges of their own for the gateway's peer and the test's browser, away from the ephemeral ports.
const BASE = 20_000 + 100 * Math.floor(Math.random() * 90);
const GATEWAY_PORTS = { min: BASE, max: BASE + 19 };
const CLIENT_PORTS = { min: BASE + 50, max: BASE + 69 };
const inRange = (s: HeldSocket, range: { min: number; max: number }) => s.port >= range.min && s.port <= range.max;
const key = (s: HeldSocket) => `${s.protocol} ${s.address}:${s.port}`;

describe('browser edge network configuration', () => {
  let app: FastifyInstance;
  let url: string;
  let stun: StunListener;
  let turn: StunListener;
  let network: WebrtcNetwork;
  const sessions = new FakeSessions();

  beforeAll(async () => {
    stun = await StunListener.start();
    turn = await StunListener.start();
    network = {
      iceServers: [
        { urls: `stun:127.0.0.1:${stun.port}` },
        { urls: `turn:127.0.0.1:${turn.port}?transport=udp`, username: 'vg-turn-user', credential: 'vg-turn-secret' },
      ],
      portRange: GATEWAY_PORTS,
      interfaces: ['127.0.0.1'],
    };
    app = Fastify();
    // The STUN and TURN stand-ins never answer a binding, so gathering ends on this timeout.
    await app.register(webrtcEdge, { startSession: sessions.start, network, iceGatherTimeoutMs: 1_500 });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await app.close();
    stun.close();
    turn.close();
  });

  it('binds only the configured ports, advertises only the configured interfaces, and asks the configured ICE servers', async () => {
    const before = new Set(heldSockets().map(key));
    const client = new WebrtcTestClient({ portRange: CLIENT_PORTS });
    try {
      await client.connect(url);
      await client.waitForEvent('session.ready');

      // Every socket the call added is the browser's or in the gateway's range, and the gateway holds some
      // (UDP, and TCP listening for ICE-TCP; the HTTP request's own connections are not the peers').
      const added = heldSockets().filter((s) => !before.has(key(s)) && (s.protocol === 'udp' || s.listening));
      const gateway = added.filter((s) => inRange(s, GATEWAY_PORTS));
      expect(added.filter((s) => !inRange(s, CLIENT_PORTS) && !inRange(s, GATEWAY_PORTS))).toEqual([]);
      expect(gateway.filter((s) => s.protocol === 'udp' && s.address === '127.0.0.1')).not.toEqual([]);

      // The answer offers the browser only the configured interface, and the call went up through it.
      const answer = client.pc.remoteDescription?.sdp ?? '';
      const candidates = answer.split('\r\n').filter((line) => line.startsWith('a=candidate:'));
      expect(candidates).not.toEqual([]);
      for (const line of candidates) {
        const [, , , , address, port] = line.split(' ');
        expect(address).toBe('127.0.0.1');
        expect(Number(port)).toBeGreaterThanOrEqual(GATEWAY_PORTS.min);
        expect(Number(port)).toBeLessThanOrEqual(GATEWAY_PORTS.max);
      }
      expect(client.pc.connectionState).toBe('connected');

      // The ICE servers reached the gateway's peer: it holds them, credentials included, and it asked the
      // STUN server (and the TURN server, as a STUN server too) for its address.
      const edge = sessions.latest().edge as WebrtcEdge;
      expect(edge.peerConfiguration().iceServers).toMatchObject(network.iceServers);
      expect(edge.peerConfiguration()).toMatchObject({ portRange: GATEWAY_PORTS });
      await waitFor(() => stun.requests.some((r) => r.method === 'binding'), 5_000, 'a STUN binding request');
      await waitFor(() => turn.requests.some((r) => r.method === 'binding'), 5_000, 'a binding request to the TURN server');
    } finally {
      client.close();
    }
  });
});
