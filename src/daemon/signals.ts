// SIGQUIT, SIGTERM and SIGINT stop a daemon gracefully, once; a second signal while stopping forces
// the exit (what `stop` sends when its --timeout runs out). SIGHUP reloads, one reload at a time.
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGQUIT'];

export function onShutdownSignal(stop: (signal: NodeJS.Signals) => Promise<void>, proc: NodeJS.Process = process, beforeForce?: () => void): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      beforeForce?.();
      proc.exitCode = 1;
      proc.kill(proc.pid, 'SIGKILL');
      return;
    }
    stopping = true;
    void stop(signal);
  };
  for (const s of STOP_SIGNALS) proc.on(s, handler);
  return () => {
    for (const s of STOP_SIGNALS) proc.off(s, handler);
  };
}

/** SIGHUP runs `reload`; one arriving during a reload runs it once more afterwards. */
export function onReloadSignal(reload: () => Promise<void>, proc: NodeJS.Process = process): () => void {
  let running: Promise<void> | null = null;
  let again = false;
  const handler = () => {
    if (running) {
      again = true;
      return;
    }
    running = reload()
      .catch(() => undefined)
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          handler();
        }
      });
  };
  proc.on('SIGHUP', handler);
  return () => {
    proc.off('SIGHUP', handler);
  };
}
