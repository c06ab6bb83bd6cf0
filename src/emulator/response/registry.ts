import type { ResponseRunner } from './runner.ts';

const MAX_WAITING = 16;

/** The responses of one session: any number out of band, at most one in the default conversation. */
export class ResponseRegistry {
  readonly #running = new Set<ResponseRunner>();
  #active: ResponseRunner | null = null;
  /** Work waiting for the default conversation to have no response (bounded: oldest dropped). */
  readonly #whenIdle: (() => void)[] = [];

  /** The in-progress default-conversation response, if any. */
  get active(): ResponseRunner | null {
    return this.#active;
  }

  add(runner: ResponseRunner): void {
    this.#running.add(runner);
    if (runner.inConversation) this.#active = runner;
  }

  finished(runner: ResponseRunner): void {
    this.#running.delete(runner);
    if (this.#active !== runner) return;
    this.#active = null;
    for (const task of this.#whenIdle.splice(0)) task();
  }

  /** Runs `task` once no default-conversation response is in progress: now, or when the active one ends. */
  whenIdle(task: () => void): void {
    if (!this.#active) return task();
    if (this.#whenIdle.length >= MAX_WAITING) this.#whenIdle.shift();
    this.#whenIdle.push(task);
  }

  find(id: string): ResponseRunner | undefined {
    for (const runner of this.#running) if (runner.id === id) return runner;
    return undefined;
  }

  /** Silently, for a closing connection. */
  abortAll(): void {
    for (const runner of this.#running) runner.abort();
    this.#running.clear();
    this.#whenIdle.length = 0;
    this.#active = null;
  }
}
