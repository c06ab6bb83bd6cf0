import type { ResponseRunner } from './runner.ts';

/** The responses of one session: any number out of band, at most one in the default conversation. */
export class ResponseRegistry {
  readonly #running = new Set<ResponseRunner>();
  #active: ResponseRunner | null = null;

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
    if (this.#active === runner) this.#active = null;
  }

  find(id: string): ResponseRunner | undefined {
    for (const runner of this.#running) if (runner.id === id) return runner;
    return undefined;
  }

  /** Silently, for a closing connection. */
  abortAll(): void {
    for (const runner of this.#running) runner.abort();
    this.#running.clear();
    this.#active = null;
  }
}
