import { Worker } from 'node:worker_threads';

const TSX_API_URL = import.meta.resolve('tsx/esm/api');

/**
 * A worker thread whose entry is a TypeScript module. Node 20 runs no TypeScript by itself, and
 * neither `--import tsx` in a worker's execArgv nor the hooks of a parent under tsx reach a
 * worker's entry module. So a small JS entry registers tsx inside the worker, then imports the
 * real one; this works under tsx and vitest alike.
 */
export function startTsWorker(entry: URL, workerData?: unknown): Worker {
  const bootstrap = `import(${JSON.stringify(TSX_API_URL)})
  .then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}
