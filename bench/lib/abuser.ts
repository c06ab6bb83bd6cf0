import WebSocket from 'ws';
import type net from 'node:net';
import { clientFrame, closeInfo, FrameReader, rawConnect, type ServerFrame } from './raw-ws.ts';
import { CLIENT_KINDS, type AbuserConn, type AbuserKind, type AbuserReport } from './abuser-report.ts';

/**
 * One abusive kiosk client, in its own process (bench/abuse.ts starts one per kind), against /v1/ws.
 * It keeps abusing until SIGTERM, reconnecting after each connection it loses (as a buggy device
 * would) unless BENCH_ABUSER_RECONNECT=0; then it prints one `REPORT {json}` line and exits.
 *
 *   bad-json     floods malformed JSON text frames as fast as its socket takes them and never reads
 *   fast-audio   100 ms PCM frames at 10× real time (100 frames a second: inside the frame limit)
 *   fast-frames  20 ms PCM frames at 500 a second (25× real time, 2.5× the frame limit)
 *   no-read      asks the agent a question, then stops reading while the agent talks; its
 *                microphone keeps sending silence in real time
 *   polite       the control: a well-behaved call, 20 ms frames in real time, reading
 *
 * argv: kind wsUrl localAddress. With BENCH_ABUSER_GO=stdin it prints `abuser ready` and waits for a
 * line on stdin before it starts, so its start-up (tsx compiling) stays out of the measured phase.
 */
const RECONNECT = process.env.BENCH_ABUSER_RECONNECT !== '0';
/** Frames a second for bad-json; 0: as fast as the socket takes them. */
const FLOOD_FPS = Number(process.env.BENCH_FLOOD_FPS ?? 0);

let running = true;
const conns: AbuserConn[] = [];
const refused: Record<string, number> = {};
/** Stops a live connection and reads what it can of its end; resolves when done. */
const finishers = new Set<() => Promise<void>>();

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function newConn(localPort: number, status: number): AbuserConn {
  const conn: AbuserConn = { localPort, openedAt: Date.now(), status, errors: {}, framesSent: 0, bytesSent: 0, audioBytesRead: 0 };
  conns.push(conn);
  return conn;
}

function readEvent(conn: AbuserConn, frame: ServerFrame): void {
  if (frame.opcode === 2) {
    conn.audioBytesRead += frame.payload.length;
  } else if (frame.opcode === 1) {
    const event = JSON.parse(frame.payload.toString('utf8')) as { type: string; code?: string; reason?: string };
    if (event.type === 'error') conn.errors[event.code ?? '?'] = (conn.errors[event.code ?? '?'] ?? 0) + 1;
    if (event.type === 'session.ended') conn.sessionEnded = event.reason;
  } else if (frame.opcode === 8 && conn.end === undefined) {
    const { code, reason } = closeInfo(frame.payload);
    conn.end = `close ${code} ${reason}`;
    conn.endedAt = Date.now();
  }
}

/** A raw connection, until it ends or the stop. `misbehave` writes; the socket is not read (paused). */
async function rawSession(url: string, localAddress: string, misbehave: (socket: net.Socket, conn: AbuserConn, alive: () => boolean) => Promise<void>, readUntilReady: boolean): Promise<void> {
  const up = await rawConnect(url, localAddress);
  if (up.status !== 101) {
    refused[up.status] = (refused[up.status] ?? 0) + 1;
    return;
  }
  const conn = newConn(up.localPort, up.status);
  const { socket } = up;
  const reader = new FrameReader();
  let alive = true;
  const ended = new Promise<void>((resolve) => {
    socket.once('close', () => {
      alive = false;
      if (conn.end === undefined) {
        conn.end = 'closed';
        conn.endedAt = Date.now();
      }
      resolve();
    });
  });
  socket.on('error', (err: NodeJS.ErrnoException) => {
    if (conn.end === undefined) {
      conn.end = err.code ?? err.message;
      conn.endedAt = Date.now();
    }
  });
  let late = false;
  socket.on('data', (chunk: Buffer) => {
    for (const frame of reader.push(chunk)) {
      readEvent(conn, frame);
      // Read only at the stop: the close frame's arrival says nothing of when it was sent.
      if (late && frame.opcode === 8) conn.endedAt = undefined;
      if (!late && readUntilReady && frame.opcode === 1 && frame.payload.includes('"session.ready"')) socket.pause();
    }
  });
  const finish = async () => {
    // The stop: read what the gateway had sent (its close frame, session.ended), if the socket still can.
    if (!alive) return;
    late = true;
    socket.resume();
    const deadline = performance.now() + 500;
    while (alive && conn.end === undefined && performance.now() < deadline) await sleep(10);
    if (conn.end === undefined) conn.end = 'open at stop';
    socket.destroy();
  };
  finishers.add(finish);
  socket.unshift(up.rest);
  if (readUntilReady) {
    // Reads like a device until the session is live, then stops reading for good.
    socket.resume();
    while (alive && running && conn.sessionEnded === undefined && !socket.isPaused()) await sleep(5);
  }
  if (alive && running) await misbehave(socket, conn, () => alive && running);
  await ended;
  finishers.delete(finish);
}

/** Malformed JSON frames, a 64 KB write at a time, never reading. */
async function badJson(socket: net.Socket, conn: AbuserConn, alive: () => boolean): Promise<void> {
  const frame = clientFrame(1, Buffer.from('{"type": oops'));
  const perChunk = Math.floor(65_536 / frame.length);
  const chunk = Buffer.concat(Array.from({ length: perChunk }, () => frame));
  const started = performance.now();
  while (alive()) {
    if (FLOOD_FPS > 0) {
      const due = Math.floor(((performance.now() - started) / 1000) * FLOOD_FPS);
      const n = Math.min(perChunk, due - conn.framesSent);
      if (n <= 0) {
        await sleep(5);
        continue;
      }
      socket.write(chunk.subarray(0, n * frame.length));
      conn.framesSent += n;
      conn.bytesSent += n * frame.length;
      continue;
    }
    const ok = socket.write(chunk);
    conn.framesSent += perChunk;
    conn.bytesSent += chunk.length;
    if (!ok) await new Promise<void>((resolve) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }
}

/** Asks for a long answer, then never reads again; the microphone goes on in real time. */
async function noRead(socket: net.Socket, conn: AbuserConn, alive: () => boolean): Promise<void> {
  socket.write(clientFrame(1, Buffer.from(JSON.stringify({ type: 'input_text', text: 'Tell me everything about the hotel, please.' }))));
  const mic = clientFrame(2, Buffer.alloc(960));
  const started = performance.now();
  while (alive()) {
    const due = Math.floor((performance.now() - started) / 20);
    while (conn.framesSent < due && alive()) {
      socket.write(mic);
      conn.framesSent++;
      conn.bytesSent += mic.length;
    }
    await sleep(10);
  }
}

/** Audio faster than real time through the `ws` library (this client reads). */
function fastAudio(url: string, localAddress: string, frameMs: number, framesPerSecond: number): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { localAddress, perMessageDeflate: false });
    let conn: AbuserConn | undefined;
    let timer: NodeJS.Timeout | undefined;
    ws.on('unexpected-response', (_req, res) => {
      refused[res.statusCode ?? 0] = (refused[res.statusCode ?? 0] ?? 0) + 1;
      res.resume();
      ws.terminate();
    });
    ws.on('upgrade', (res) => {
      conn = newConn(res.socket.localPort ?? 0, 101);
    });
    ws.on('open', () => {
      const frame = Buffer.alloc(48 * frameMs);
      const started = performance.now();
      const pump = () => {
        if (!running || ws.readyState !== WebSocket.OPEN || !conn) return;
        const due = Math.floor(((performance.now() - started) / 1000) * framesPerSecond);
        while (conn.framesSent < due && ws.readyState === WebSocket.OPEN) {
          ws.send(frame);
          conn.framesSent++;
          conn.bytesSent += frame.length;
        }
        timer = setTimeout(pump, 5);
      };
      pump();
    });
    ws.on('message', (data, isBinary) => {
      if (conn) readEvent(conn, { opcode: isBinary ? 2 : 1, payload: data as Buffer });
    });
    ws.on('error', (err: NodeJS.ErrnoException) => {
      if (conn && conn.end === undefined) {
        conn.end = err.code ?? err.message;
        conn.endedAt = Date.now();
      }
    });
    const finish = async () => {
      if (ws.readyState === WebSocket.CLOSED) return;
      if (conn && conn.end === undefined) conn.end = 'open at stop';
      ws.terminate();
    };
    finishers.add(finish);
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      finishers.delete(finish);
      if (conn && conn.end === undefined) {
        conn.end = `close ${code} ${reason.toString()}`;
        conn.endedAt = Date.now();
      }
      resolve();
    });
  });
}

async function main(): Promise<void> {
  const [kind, url, localAddress] = process.argv.slice(2) as [AbuserKind, string, string];
  if (!CLIENT_KINDS.includes(kind)) throw new Error(`unknown abuser kind ${kind}`);
  process.on('SIGTERM', () => {
    running = false;
    void Promise.all([...finishers].map((finish) => finish())).then(() => report(kind, localAddress));
  });
  console.log(`abuser ready: ${kind}`);
  if (process.env.BENCH_ABUSER_GO === 'stdin') await new Promise((resolve) => process.stdin.once('data', resolve));
  while (running) {
    try {
      if (kind === 'bad-json') await rawSession(url, localAddress, badJson, false);
      else if (kind === 'no-read') await rawSession(url, localAddress, noRead, true);
      else if (kind === 'fast-audio') await fastAudio(url, localAddress, 100, 100);
      else if (kind === 'polite') await fastAudio(url, localAddress, 20, 50);
      else await fastAudio(url, localAddress, 20, 500);
    } catch (err) {
      refused[(err as Error).message] = (refused[(err as Error).message] ?? 0) + 1;
    }
    if (!RECONNECT) break;
    if (running) await sleep(100);
  }
}

function report(kind: AbuserKind, localAddress: string): void {
  const cpu = process.cpuUsage();
  const out: AbuserReport = {
    kind, localAddress, conns, refused,
    cpuMs: (cpu.user + cpu.system) / 1000,
    rssMb: process.memoryUsage().rss / 1024 / 1024,
  };
  console.log(`REPORT ${JSON.stringify(out)}`);
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
