import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../src/config.ts';
import { advertisedCandidates } from '../../../../src/edges/webrtc/network.ts';

const ANSWER = [
  'v=0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=candidate:1 1 udp 2122265343 fd00::2 40000 typ host generation 0 network-id 2',
  'a=candidate:2 1 udp 2122194687 192.0.2.2 40000 typ host generation 0 network-id 1',
  'a=candidate:3 1 udp 2122063615 127.0.0.1 40000 typ host generation 0 network-id 3',
  'a=candidate:4 1 udp 1686052607 203.0.113.7 40000 typ srflx raddr 192.0.2.2 rport 40000 generation 0',
  'a=candidate:5 1 udp 41885439 198.51.100.9 50000 typ relay raddr 127.0.0.1 rport 40000 generation 0',
  'a=end-of-candidates',
  '',
].join('\r\n');

const candidates = (sdp: string) => sdp.split('\r\n').filter((l) => l.startsWith('a=candidate:'));

describe('advertisedCandidates', () => {
  it('leaves the answer alone when no interfaces or announced address are configured', () => {
    expect(advertisedCandidates(ANSWER, { iceServers: [] })).toBe(ANSWER);
  });

  it('keeps only candidates based on a configured interface (a reflexive or relay one by its base)', () => {
    const sdp = advertisedCandidates(ANSWER, { iceServers: [], interfaces: ['192.0.2.2'] });
    expect(candidates(sdp).map((l) => l.split(' ')[0])).toEqual(['a=candidate:2', 'a=candidate:4']);
    expect(sdp).toContain('a=end-of-candidates\r\n');
  });

  it('puts the announced address on the host candidates of its family, and nothing else', () => {
    const sdp = advertisedCandidates(ANSWER, { iceServers: [], interfaces: ['192.0.2.2', 'fd00::2'], announcedAddress: '203.0.113.50' });
    expect(candidates(sdp)).toEqual([
      'a=candidate:1 1 udp 2122265343 fd00::2 40000 typ host generation 0 network-id 2',
      'a=candidate:2 1 udp 2122194687 203.0.113.50 40000 typ host generation 0 network-id 1',
      'a=candidate:4 1 udp 1686052607 203.0.113.7 40000 typ srflx raddr 192.0.2.2 rport 40000 generation 0',
    ]);
  });
});

describe('WebRTC network configuration', () => {
  it('reads ICE servers, the port range, interfaces and the announced address', () => {
    const config = loadConfig({
      WEBRTC_ICE_SERVERS: '[{"urls":"stun:stun.example.com:3478"},{"urls":["turn:turn.example.com:3478?transport=udp","turns:turn.example.com:5349"],"username":"u","credential":"p"}]',
      WEBRTC_PORT_RANGE: '40000-40099',
      WEBRTC_INTERFACES: '10.0.0.5, 127.0.0.1',
      WEBRTC_ANNOUNCED_ADDRESS: '203.0.113.50',
    });
    expect(config.webrtcNetwork).toEqual({
      iceServers: [
        { urls: 'stun:stun.example.com:3478' },
        { urls: ['turn:turn.example.com:3478?transport=udp', 'turns:turn.example.com:5349'], username: 'u', credential: 'p' },
      ],
      portRange: { min: 40000, max: 40099 },
      interfaces: ['10.0.0.5', '127.0.0.1'],
      announcedAddress: '203.0.113.50',
    });
    expect(loadConfig({}).webrtcNetwork).toEqual({ iceServers: [], portRange: undefined, interfaces: undefined, announcedAddress: undefined });
  });

  it('names what is wrong with each variable', () => {
    expect(() => loadConfig({ WEBRTC_ICE_SERVERS: '{not json' })).toThrow(/WEBRTC_ICE_SERVERS: must be a JSON array/);
    expect(() => loadConfig({ WEBRTC_ICE_SERVERS: '[{"urls":"turn:turn.example.com"}]' })).toThrow(/WEBRTC_ICE_SERVERS: 0: turn:turn.example.com: a TURN server needs a username and a credential/);
    expect(() => loadConfig({ WEBRTC_ICE_SERVERS: '[{"urls":"http://x"}]' })).toThrow(/http:\/\/x is not a stun:, stuns:, turn: or turns: URL/);
    expect(() => loadConfig({ WEBRTC_PORT_RANGE: '40099-40000' })).toThrow(/WEBRTC_PORT_RANGE: needs 1 <= MIN <= MAX <= 65535/);
    expect(() => loadConfig({ WEBRTC_PORT_RANGE: '40000' })).toThrow(/WEBRTC_PORT_RANGE: must be MIN-MAX/);
    expect(() => loadConfig({ WEBRTC_INTERFACES: 'eth0' })).toThrow(/WEBRTC_INTERFACES.*must be an IPv4 or IPv6 address/);
    expect(() => loadConfig({ WEBRTC_ANNOUNCED_ADDRESS: 'gw.example.com' })).toThrow(/WEBRTC_ANNOUNCED_ADDRESS: must be an IPv4 or IPv6 address/);
  });
});
