import { isIP } from 'node:net';
import { z } from 'zod';
import type { PeerConfiguration } from './wrtc.ts';

/**
 * The network the gateway's WebRTC peers use: which STUN/TURN servers, which UDP/TCP ports, which
 * local addresses they advertise, and the address a browser should reach them at when they sit
 * behind NAT or in a container (the host's public address, with the port range forwarded 1:1).
 */
export interface WebrtcNetwork {
  iceServers: RTCIceServer[];
  /** Every port a peer binds is in this range; a call takes one (per local address). */
  portRange?: { min: number; max: number };
  /** Only candidates on these local addresses go into the answer. */
  interfaces?: string[];
  /** Host candidates carry this address instead of the local one (1:1 NAT, a container's published ports). */
  announcedAddress?: string;
}

const ipAddress = z.string().trim().refine((value) => isIP(value) !== 0, 'must be an IPv4 or IPv6 address');

const iceServer = z.object({
  urls: z.union([z.string(), z.array(z.string()).min(1)]),
  username: z.string().min(1).optional(),
  credential: z.string().min(1).optional(),
}).strict().superRefine((server, ctx) => {
  for (const url of [server.urls].flat()) {
    const scheme = /^(stuns?|turns?):[^\s]+$/.exec(url)?.[1];
    if (!scheme) ctx.addIssue({ code: 'custom', message: `${url} is not a stun:, stuns:, turn: or turns: URL` });
    if (scheme?.startsWith('turn') && (!server.username || !server.credential)) {
      ctx.addIssue({ code: 'custom', message: `${url}: a TURN server needs a username and a credential` });
    }
  }
});

/** The environment variables of the WebRTC network, for src/config.ts's schema. */
export const webrtcNetworkEnv = {
  WEBRTC_ICE_SERVERS: z.string().optional().transform((text, ctx) => {
    if (text === undefined) return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of ICE servers ({"urls": ..., "username"?, "credential"?})' });
      return z.NEVER;
    }
    const servers = z.array(iceServer).safeParse(parsed);
    if (!servers.success) {
      for (const issue of servers.error.issues) ctx.addIssue({ code: 'custom', message: `${issue.path.join('.') || 'value'}: ${issue.message}` });
      return z.NEVER;
    }
    return servers.data as RTCIceServer[];
  }),
  WEBRTC_PORT_RANGE: z.string().regex(/^\d+-\d+$/, 'must be MIN-MAX, e.g. 40000-40999').optional()
    .transform((text) => (text === undefined ? undefined : { min: Number(text.split('-')[0]), max: Number(text.split('-')[1]) }))
    .refine((range) => range === undefined || (range.min >= 1 && range.min <= range.max && range.max <= 65_535), 'needs 1 <= MIN <= MAX <= 65535'),
  WEBRTC_INTERFACES: z.string().optional()
    .transform((text) => text?.split(',').map((a) => a.trim()).filter((a) => a.length > 0))
    .pipe(z.array(ipAddress).min(1, 'must list at least one address').optional()),
  WEBRTC_ANNOUNCED_ADDRESS: ipAddress.optional(),
};

type NetworkEnv = { [K in keyof typeof webrtcNetworkEnv]?: z.output<(typeof webrtcNetworkEnv)[K]> };

export function webrtcNetworkFrom(env: NetworkEnv): WebrtcNetwork {
  return {
    iceServers: env.WEBRTC_ICE_SERVERS ?? [],
    portRange: env.WEBRTC_PORT_RANGE,
    interfaces: env.WEBRTC_INTERFACES,
    announcedAddress: env.WEBRTC_ANNOUNCED_ADDRESS,
  };
}

/** The configuration of one gateway peer. */
export function peerConfiguration(network: WebrtcNetwork): PeerConfiguration {
  return { iceServers: network.iceServers, ...(network.portRange ? { portRange: network.portRange } : {}) };
}

/**
 * The answer's candidates as the network wants them advertised: only those based on an allowed
 * local address (a server-reflexive or relay candidate's base is its `raddr`), host candidates of
 * the announced address's family carrying that address instead.
 */
export function advertisedCandidates(sdp: string, network: WebrtcNetwork): string {
  const { interfaces, announcedAddress } = network;
  if (!interfaces && !announcedAddress) return sdp;
  const allowed = interfaces && new Set(interfaces);
  const family = announcedAddress ? isIP(announcedAddress) : 0;
  const lines: string[] = [];
  for (const line of sdp.split('\r\n')) {
    const candidate = /^a=candidate:(\S+ \d+ \S+ \d+ )(\S+)( \d+ typ )(\S+)(.*)$/.exec(line);
    if (!candidate) {
      lines.push(line);
      continue;
    }
    const [, head, address, portTyp, type, tail] = candidate;
    const base = type === 'host' ? address : (/ raddr (\S+)/.exec(tail)?.[1] ?? address);
    if (allowed && !allowed.has(base)) continue;
    const shown = type === 'host' && family !== 0 && isIP(address) === family ? announcedAddress : address;
    lines.push(`a=candidate:${head}${shown}${portTyp}${type}${tail}`);
  }
  return lines.join('\r\n');
}
