// A started daemon until it is told to stop: SIGHUP reloads, SIGQUIT/SIGTERM/SIGINT stop it
// gracefully (listeners closed first, in-flight requests finished), and the pid file goes with it.
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

export function serveUntilStopped(o: { log: Logger; lock: PidLock; close: () => Promise<void>; reload: () => Promise<void> }): Promise<number> {
  return new Promise((done) => {
    let stopping = false;
    // Kept while stopping: a SIGHUP then is ignored instead of killing the process.
    const stopReloading = onReloadSignal(() => (stopping ? Promise.resolve() : o.reload()));
    const dispose = onShutdownSignal(
      async (signal) => {
        o.log.info('stopping', { signal });
        stopping = true;
        try {
          await o.close();
          o.log.info('stopped');
          done(0);
        } catch (err) {
          o.log.error('shutdown failed', { error: errorMessage(err) });
          done(1);
        } finally {
          o.lock.release();
          stopReloading();
          dispose();
        }
      },
      process,
      () => o.lock.release(),
    );
  });
}
