import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_S = 100;
const QUIET_SAMPLE_MS = 1000;

/** CPU time the whole machine has spent busy (all cores, all processes), in ms, from /proc/stat. */
export function machineBusyMs(): number {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1000) / CLOCK_TICKS_PER_S;
}

/**
 * Waits (up to `maxWaitMs`) until the machine, with the bench's own processes idle, is busier than
 * `maxPct` % of a core for no whole second: on a shared machine a measurement otherwise runs
 * alongside someone else's build. Returns how long it waited.
 */
export async function waitForQuiet(maxPct: number, maxWaitMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < maxWaitMs) {
    const before = machineBusyMs();
    await new Promise((r) => setTimeout(r, QUIET_SAMPLE_MS));
    if (((machineBusyMs() - before) / QUIET_SAMPLE_MS) * 100 <= maxPct) break;
  }
  return performance.now() - started;
}
