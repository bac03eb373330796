// A data plane's proxy worker process: starts its listeners from the sync process's init, then
// serves each config it is sent, whole (swap) or as row changes to its own copy (patch).
import cluster from 'node:cluster';
import { createLogger, type Logger } from '../log.js';
import { drainQueues } from '../plugins/log-shared/queue.js';
import { errorMessage } from '../errors.js';
import { CLOSE_GRACE_MS, type Proxy } from '../proxy/server.js';
import type { ConfigTable } from '../proxy/config.js';
import { ipcCounters } from '../plugins/runtime/counters.js';
import { workerPlugins } from '../plugins/installed.js';
import { heapRelease } from './heap-release.js';
import { DeltaTable } from '../entities/delta-table.js';
import { openAccessLog, type AccessLog } from '../util/access-log.js';
import { workerReport } from './worker-report.js';
import { WORKER_ENV, startAll, type FromWorker, type ToWorker } from './proxy-worker-shared.js';

/** In a proxy worker process: serve until told to close. Returns false in any other process. */
export async function runProxyWorkerIfAsked(): Promise<boolean> {
  if (!cluster.isWorker || !process.env[WORKER_ENV]) return false;
  const send = (m: FromWorker) => {
    if (process.connected) process.send?.(m);
  };
  // Signals go to the sync process, which stops the workers in order.
  for (const s of ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGHUP'] as const) process.on(s, () => undefined);
  // Told to close (or the sync process gone) at any point, starting included: close what is
  // open and leave. Nothing may keep a worker of a stopped data plane alive.
  let proxies: Proxy[] = [];
  let accessLog: AccessLog | null = null;
  let workerLog: Logger | null = null;
  let leaving = false;
  const leave = () => {
    if (leaving) return;
    leaving = true;
    const started = performance.now();
    void Promise.all(proxies.map((p) => p.close()))
      .then(async () => {
        // Log plugins' queued entries go out within what is left of the grace period.
        const lost = await drainQueues(Math.max(500, CLOSE_GRACE_MS - (performance.now() - started)));
        if (lost > 0) workerLog?.warn('log plugin entries not sent before the worker stopped', { entries: lost });
      })
      .then(() => accessLog?.close())
      .finally(() => {
        send({ t: 'closed' });
        if (process.connected) process.disconnect();
        // Whatever still holds the event loop: the listeners are closed, the process is done.
        setTimeout(() => process.kill(process.pid, 'SIGKILL'), 2_000).unref();
      });
  };
  process.on('message', (m: ToWorker) => {
    if (m.t === 'close') leave();
  });
  process.on('disconnect', leave);
  const init = await new Promise<Extract<ToWorker, { t: 'init' }> | null>((resolve) => {
    const onInit = (m: ToWorker) => {
      if (m.t !== 'init') return;
      process.off('message', onInit);
      resolve(m);
    };
    process.on('message', onInit);
    process.once('disconnect', () => resolve(null));
    send({ t: 'ready' });
  });
  if (!init || leaving) {
    leave();
    return true;
  }
  const root = createLogger({ level: init.level, format: init.format });
  const log = root.child('proxy', { worker: process.pid });
  workerLog = log;
  process.on('message', (m: ToWorker) => {
    if (m.t === 'level') root.setLevel(m.level);
    if (m.t === 'tls') for (const p of proxies) p.setTls(m.tls);
  });
  const counters = ipcCounters(
    (m) => send(m),
    (fn) => process.on('message', (m: ToWorker) => {
      if (m.t === 'counters') fn(m);
    }),
  );
  try {
    accessLog = openAccessLog(init.accessLog, 'proxy_access_log', log);
    const plugins = workerPlugins(init.plugins, init.jsPlugins);
    proxies = await startAll(init.listeners, log, init.table, { plugins, nodeId: init.nodeId, counters, accessLog });
  } catch (err) {
    // The sync process reports it; this process just leaves.
    send({ t: 'failed', error: errorMessage(err), code: (err as NodeJS.ErrnoException).code, listener: (err as { listener?: string }).listener ?? '' });
    process.exitCode = 1;
    leave();
    return true;
  }
  // A close that came while the listeners were starting.
  if (leaving) {
    leaving = false;
    leave();
    return true;
  }
  const release = heapRelease(log);
  let served: Record<string, unknown> | null = init.table;
  let index: DeltaTable | null = null;
  process.on('message', (m: ToWorker) => {
    if (m.t === 'report') send({ t: 'report', id: m.id, report: workerReport(proxies) });
    if (m.t === 'reopen') {
      try {
        accessLog?.reopen();
      } catch (err) {
        log.error('could not reopen proxy_access_log', { error: errorMessage(err) });
      }
    }
    if (m.t === 'swap') {
      try {
        for (const p of proxies) p.swap(m.table as ConfigTable);
        served = m.table;
        index = null;
        send({ t: 'swapped', id: m.id });
      } catch (err) {
        send({ t: 'swapped', id: m.id, error: errorMessage(err) });
      }
      release.afterSwap();
    } else if (m.t === 'patch') {
      try {
        // This worker's own copy of the served table, patched as the sync process patched its own.
        index ??= new DeltaTable(served ?? {});
        const table = index.patch(m.changes);
        for (const p of proxies) p.patch(table as ConfigTable, m.changes);
        served = table;
        send({ t: 'swapped', id: m.id });
      } catch (err) {
        // The index holds the refused rows: built again from the table still served.
        index = null;
        send({ t: 'swapped', id: m.id, error: errorMessage(err) });
      }
    }
  });
  send({ t: 'listening', ports: proxies.map((p) => p.address.port) });
  return true;
}
