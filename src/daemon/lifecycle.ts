// A daemon from before its start until it is told to stop: SIGHUP reloads, SIGQUIT/SIGTERM/SIGINT
// stop it gracefully (listeners closed first, in-flight requests finished), and the pid file goes
// with it. The handlers are in place before the start, so a signal during the start is not lost
// (nor kills the process with the default action): a stop then follows the start at once.
import type { Logger } from '../log.js';
import { errorMessage } from '../errors.js';
import type { LoadedConf } from '../conf/index.js';
import { onReloadSignal, onShutdownSignal } from './signals.js';
import type { PidLock } from './pid-file.js';
import { reload, type Reloader } from './reload.js';

/** A reload function that keeps the configuration that runs between reloads. */
export function reloadLoop<S>(initial: LoadedConf, r: Reloader<S>): () => Promise<void> {
  let current = initial;
  return async () => {
    current = await reload(current, r);
  };
}

export interface Lifecycle {
  /** The daemon started: serve until a stop signal; resolves with the exit code. */
  serve(daemon: { close: () => Promise<void>; reload: () => Promise<void> }): Promise<number>;
  /** The start failed: handlers removed, pid file released. */
  abandon(): void;
}

export function daemonLifecycle(o: { log: Logger; lock: PidLock }): Lifecycle {
  let daemon: { close: () => Promise<void>; reload: () => Promise<void> } | null = null;
  let stopSignal: NodeJS.Signals | null = null;
  let finish: (code: number) => void = () => undefined;
  const exitCode = new Promise<number>((done) => (finish = done));

  const stop = async (signal: NodeJS.Signals) => {
    stopSignal = signal;
    if (!daemon) return; // still starting: serve() stops it
    o.log.info('stopping', { signal });
    try {
      await daemon.close();
      o.log.info('stopped');
      finish(0);
    } catch (err) {
      o.log.error('shutdown failed', { error: errorMessage(err) });
      finish(1);
    } finally {
      o.lock.release();
      disposeReload();
      disposeStop();
    }
  };
  // Kept while stopping: a SIGHUP then is ignored instead of killing the process.
  const disposeReload = onReloadSignal(() => (daemon && !stopSignal ? daemon.reload() : Promise.resolve()));
  const disposeStop = onShutdownSignal(stop, process, () => o.lock.release());
  return {
    serve(d) {
      daemon = d;
      if (stopSignal) void stop(stopSignal);
      return exitCode;
    },
    abandon() {
      disposeReload();
      disposeStop();
      o.lock.release();
    },
  };
}
