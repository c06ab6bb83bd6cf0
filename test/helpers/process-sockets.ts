import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** One socket this process holds, as the kernel lists it. */
export interface HeldSocket {
  protocol: 'udp' | 'tcp';
  address: string;
  port: number;
  /** A TCP socket waiting for connections (UDP sockets are never). */
  listening: boolean;
}

/** The UDP and TCP sockets this process holds now: /proc/self/net entries whose inode one of its fds is. */
export function heldSockets(): HeldSocket[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith('socket:[')) inodes.add(target.slice(8, -1));
    } catch {
      // closed meanwhile
    }
  }
  const held: HeldSocket[] = [];
  for (const table of ['udp', 'udp6', 'tcp', 'tcp6'] as const) {
    for (const line of readFileSync(`/proc/self/net/${table}`, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || !inodes.has(fields[9])) continue;
      const [hexAddress, hexPort] = fields[1].split(':');
      const tcpListen = '0A';
      held.push({ protocol: table.startsWith('udp') ? 'udp' : 'tcp', address: decodeAddress(hexAddress), port: parseInt(hexPort, 16), listening: table.startsWith('tcp') && fields[3] === tcpListen });
    }
  }
  return held;
}

/** /proc/net prints addresses as 32-bit words in host (little-endian) order. */
function decodeAddress(hex: string): string {
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    const chunk = hex.slice(word, word + 8);
    for (let i = 6; i >= 0; i -= 2) bytes.push(parseInt(chunk.slice(i, i + 2), 16));
  }
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return groups.join(':'); // uncompressed: 0:0:0:0:0:0:0:1
}
