import net from 'node:net';

export interface ReachabilityOptions {
  intervalMs?: number;
  timeoutMs?: number;
}

/**
 * Whether the backend's host accepts connections, checked in the background by a plain TCP
 * connect (no Realtime session is opened, so a check costs nothing at the provider). Readiness
 * uses it: a replica whose backend is unreachable should get no new calls.
 */
export class BackendReachability {
  readonly #host: string;
  readonly #port: number;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  #timer: NodeJS.Timeout | undefined;
  #reachable: boolean | undefined;

  constructor(url: string, opts: ReachabilityOptions = {}) {
    const u = new URL(url);
    this.#host = u.hostname.replace(/^\[|\]$/g, '');
    this.#port = Number(u.port) || (u.protocol === 'wss:' ? 443 : 80);
    this.#intervalMs = opts.intervalMs ?? 5_000;
    this.#timeoutMs = opts.timeoutMs ?? 2_000;
  }

  /** Unknown (undefined) until the first check has finished. */
  get reachable(): boolean | undefined {
    return this.#reachable;
  }

  start(): void {
    const tick = () => {
      void this.check().finally(() => {
        if (this.#timer === undefined) return;
        this.#timer = setTimeout(tick, this.#intervalMs);
        this.#timer.unref();
      });
    };
    this.#timer = setTimeout(tick, 0);
    this.#timer.unref();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  check(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = net.connect({ host: this.#host, port: this.#port });
      const finish = (ok: boolean) => {
        socket.destroy();
        this.#reachable = ok;
        resolve(ok);
      };
      socket.setTimeout(this.#timeoutMs, () => finish(false));
      socket.once('connect', () => finish(true));
      socket.once('error', () => finish(false));
    });
  }
}
