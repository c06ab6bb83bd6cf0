const CHECK_EVERY_MS = 1_000;

/**
 * Under npm (`npm start`), npm is what a process manager stops, and npm passes SIGTERM and SIGINT
 * on to its child, which is the gateway itself (the start script execs node). If npm dies without
 * passing anything on (killed with SIGKILL after a stop timeout, or crashed), the gateway would be
 * orphaned and keep serving with nobody left to stop it. This notices the re-parenting and sends
 * SIGTERM to the gateway itself, so it shuts down as if npm had passed the signal on (before
 * main.ts installs its handler, SIGTERM simply ends the process, right for an orphan too).
 * Started directly, a gateway may be daemonised on purpose: no watch then.
 */
export function stopWithParent(): void {
  if (process.env.npm_lifecycle_event === undefined) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
  }, CHECK_EVERY_MS);
  // The watch alone must not keep the process alive.
  timer.unref();
}
