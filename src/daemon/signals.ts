// SIGINT/SIGTERM stop a daemon gracefully, once; a second signal while stopping forces the exit.
export function onShutdownSignal(stop: (signal: NodeJS.Signals) => Promise<void>, proc: NodeJS.Process = process): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      proc.exitCode = 1;
      proc.kill(proc.pid, 'SIGKILL');
      return;
    }
    stopping = true;
    void stop(signal);
  };
  proc.on('SIGINT', handler);
  proc.on('SIGTERM', handler);
  return () => {
    proc.off('SIGINT', handler);
    proc.off('SIGTERM', handler);
  };
}
