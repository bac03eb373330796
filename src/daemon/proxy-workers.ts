// nginx_worker_processes for the data plane: one process keeps the CP connection, N workers proxy.
// Workers share the listening sockets (node:cluster, kernel-balanced accepts) and receive every new
// config_table from the sync process; a worker that dies is replaced and gets the current config.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../log.js';
import type { Level } from '../log.js';
import { errorMessage, RuntimeError } from '../errors.js';
import { CLOSE_GRACE_MS } from '../proxy/server.js';
import type { ConfigTable } from '../proxy/config.js';
import { CounterStore, answerCounters, localCounters } from '../plugins/runtime/counters.js';
import { jsPluginFiles } from '../plugins/installed.js';
import type { EnabledSet, TlsPair } from './settings-types.js';
import { drainQueues } from '../plugins/log-shared/queue.js';
import { heapRelease } from './heap-release.js';
import { stopWorker } from './worker-stop.js';
import { WORKER_ENV, startAll, type ProxyListener, type ToWorker, type FromWorker } from './proxy-worker-shared.js';
import type { TableChange } from '../entities/table-change.js';
import { openAccessLog } from '../util/access-log.js';
import { mergeReports, workerReport, type NodeReport, type WorkerReport } from './worker-report.js';

export type { ProxyListener };

export interface ProxyFleet {
  /** One per listener, in the order given, ports resolved. */
  addresses: { host: string; port: number; tls: boolean }[];
  workers: number;
  /** Serve a new config in every worker; rejects (old config kept) when it cannot be compiled. */
  swap(table: Record<string, unknown>): Promise<void>;
  /**
   * Serve `table`, the served one with `changes` applied: every worker patches its own copy and
   * its compiled config instead of receiving and compiling the whole table. Rejects (old config kept).
   */
  patch(table: Record<string, unknown>, changes: readonly TableChange[]): Promise<void>;
  /** Every worker's counters, metrics and heap, summed (a worker that does not answer in 1 s is left out). */
  report(): Promise<NodeReport>;
  /** Every worker reopens proxy_access_log (after logrotate moved it). */
  reopenLogs(): void;
  /** log_level changed by a reload: the workers log from this level on. */
  setLogLevel(level: Level): void;
  /** ssl_cert changed by a reload: the ssl listeners present this pair from the next handshake on. */
  setTls(tls: TlsPair): void;
  close(): Promise<void>;
}

interface FleetOptions {
  listeners: ProxyListener[];
  /** Served from the first accepted connection (the cache or declarative_config). */
  initial?: Record<string, unknown> | null;
  workers: number;
  log: Logger;
  logLevel?: Level;
  logFormat?: 'text' | 'json';
  plugins: EnabledSet;
  nodeId: string;
  /** proxy_access_log; each worker appends to it. */
  accessLog?: string | null;
}

export async function startProxyWorkers(o: FleetOptions): Promise<ProxyFleet> {
  if (o.workers <= 1) {
    // One process: listeners of this node share its counters.
    const counters = localCounters();
    const accessLog = openAccessLog(o.accessLog ?? null, 'proxy_access_log', o.log);
    const proxies = await startAll(o.listeners, o.log.child('proxy'), o.initial ?? null, { plugins: o.plugins, nodeId: o.nodeId, counters, accessLog });
    const release = heapRelease(o.log.child('proxy'));
    return {
      addresses: proxies.map((p, i) => ({ ...p.address, tls: Boolean(o.listeners[i]!.tls) })),
      workers: 1,
      swap: async (table) => {
        for (const p of proxies) p.swap(table as ConfigTable);
        release.afterSwap();
      },
      // A patch allocates little: no collection is scheduled for it.
      patch: async (table, changes) => {
        for (const p of proxies) p.patch(table as ConfigTable, changes);
      },
      report: async () => mergeReports([workerReport(proxies)]),
      reopenLogs: () => accessLog?.reopen(),
      // The proxies log through this process's logger, whose level the reload sets.
      setLogLevel: () => undefined,
      setTls: (tls) => {
        for (const p of proxies) p.setTls(tls);
      },
      close: async () => {
        release.cancel();
        const started = performance.now();
        await Promise.all(proxies.map((p) => p.close()));
        const lost = await drainQueues(Math.max(500, CLOSE_GRACE_MS - (performance.now() - started)));
        if (lost > 0) o.log.warn('log plugin entries not sent before the proxy stopped', { entries: lost });
        await accessLog?.close();
      },
    };
  }
  // Checked here, so a file no worker could open stops the start as a configuration error.
  await openAccessLog(o.accessLog ?? null)?.close();
  return startFleet(o);
}

async function startFleet(o: FleetOptions): Promise<ProxyFleet> {
  const log = o.log.child('proxy');
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  let current: Record<string, unknown> | null = o.initial ?? null;
  let nextId = 1;
  let closing = false;
  let running = false;
  const pending = new Map<number, { left: Set<Worker>; errors: string[]; done: () => void }>();
  const workers = new Set<Worker>();
  // Workers that are serving; swaps go to these, a starting one gets the config in its init.
  const up = new Set<Worker>();
  let ports = o.listeners.map((l) => l.port);
  // Answers to a report request, by request id.
  const reports = new Map<number, (r: WorkerReport) => void>();
  let nextReport = 1;
  // A respawned worker starts at the level the last reload set.
  let logLevel: Level = o.logLevel ?? 'info';
  // Rate-limit counters for the whole node live here, so N workers do not allow N times the limit.
  const counterStore = new CounterStore();
  // This process decodes and checks every config and holds the current one for new workers.
  const release = heapRelease(log);

  // Replacements not yet forked: a stop cancels them, so nothing is forked once it has begun.
  const respawns = new Set<NodeJS.Timeout>();
  const spawn = (): Promise<Worker> =>
    new Promise((resolveSpawn, rejectSpawn) => {
      if (closing) return rejectSpawn(new RuntimeError('the data plane is stopping'));
      const w = cluster.fork({ [WORKER_ENV]: '1' });
      workers.add(w);
      // A send to a worker that just died fails here; its 'exit' says the rest.
      w.on('error', (err) => log.debug('proxy worker channel error', { pid: w.process.pid, error: errorMessage(err) }));
      let given: Record<string, unknown> | null = null;
      w.on('message', (m: FromWorker) => {
        if (closing && m.t === 'ready') {
          // Forked just before the stop: told to leave instead of being started.
          w.send({ t: 'close' } satisfies ToWorker);
        } else if (m.t === 'ready') {
          // Every worker asks for the configured ports (0 included): node:cluster hands them shared sockets.
          given = current;
          w.send({ t: 'init', listeners: o.listeners, level: logLevel, format: o.logFormat ?? 'text', table: given, plugins: [...o.plugins.keys()], jsPlugins: jsPluginFiles(o.plugins), nodeId: o.nodeId, accessLog: o.accessLog ?? null } satisfies ToWorker);
        } else if (m.t === 'counters') {
          w.send(answerCounters(counterStore, m) satisfies ToWorker);
        } else if (m.t === 'report') {
          reports.get(m.id)?.(m.report);
        } else if (m.t === 'failed') {
          const inUse = m.code === 'EADDRINUSE';
          rejectSpawn(new RuntimeError(`cannot listen on ${m.listener} (proxy_listen): ${inUse ? 'address in use' : m.error}`, { hint: inUse ? 'another process holds the port: stop it or change --proxy-listen' : 'check proxy_listen' }));
        } else if (m.t === 'listening') {
          ports = m.ports;
          up.add(w);
          // A config that arrived while it was starting.
          if (current !== given && current) w.send({ t: 'swap', id: 0, table: current } satisfies ToWorker);
          resolveSpawn(w);
        } else if (m.t === 'swapped') {
          const p = pending.get(m.id);
          if (!p) return;
          if (m.error) p.errors.push(m.error);
          p.left.delete(w);
          if (p.left.size === 0) p.done();
        }
      });
      w.on('exit', (code, signal) => {
        workers.delete(w);
        up.delete(w);
        for (const p of pending.values()) if (p.left.delete(w) && p.left.size === 0) p.done();
        if (closing) return;
        if (!running) {
          rejectSpawn(new RuntimeError(`proxy worker ${w.process.pid} exited during start (code ${code})`, { hint: 'check proxy_listen' }));
          return;
        }
        log.error('proxy worker exited; starting a new one', { pid: w.process.pid, code, signal });
        const t = setTimeout(() => {
          respawns.delete(t);
          void spawn().catch((err: unknown) => {
            if (!closing) log.error('could not replace a proxy worker', { error: errorMessage(err) });
          });
        }, 200);
        t.unref();
        respawns.add(t);
      });
    });

  // Replacing dead workers starts once all are up; a failure while starting stops them all.
  try {
    // The first worker binds (and resolves port 0); the rest share its sockets.
    await spawn();
    await Promise.all(Array.from({ length: o.workers - 1 }, () => spawn()));
  } catch (err) {
    closing = true;
    for (const w of workers) w.process.kill('SIGKILL');
    throw err;
  }
  running = true;

  /** Sends one message to every serving worker and waits for all of them; their errors. */
  const toEvery = async (message: (id: number) => ToWorker): Promise<string[]> => {
    const id = nextId++;
    const errors: string[] = [];
    await new Promise<void>((done) => {
      const left = new Set(up);
      if (left.size === 0) return done();
      pending.set(id, { left, errors, done });
      const m = message(id);
      for (const w of left) w.send(m);
    });
    pending.delete(id);
    return errors;
  };

  return {
    addresses: o.listeners.map((l, i) => ({ host: l.host, port: ports[i]!, tls: Boolean(l.tls) })),
    workers: o.workers,
    async swap(table) {
      const previous = current;
      current = table;
      const errors = await toEvery((id) => ({ t: 'swap', id, table }));
      release.afterSwap();
      if (errors.length > 0) {
        current = previous;
        throw new RuntimeError(`configuration refused by the proxy: ${errors[0]}`);
      }
    },
    async patch(table, changes) {
      const previous = current;
      current = table;
      const errors = await toEvery((id) => ({ t: 'patch', id, changes }));
      if (errors.length > 0) {
        // Workers that took the patch go back to the previous config with the rest.
        current = previous;
        if (previous) await toEvery((id) => ({ t: 'swap', id, table: previous }));
        throw new RuntimeError(`configuration refused by the proxy: ${errors[0]}`);
      }
    },

    reopenLogs() {
      for (const w of up) {
        try {
          w.send({ t: 'reopen' } satisfies ToWorker);
        } catch {
          // A worker that just died opens the file afresh when replaced.
        }
      }
    },
    async report() {
      const id = nextReport++;
      const got: WorkerReport[] = [];
      const asked = [...up];
      await new Promise<void>((done) => {
        if (asked.length === 0) return done();
        const timer = setTimeout(done, 1000);
        reports.set(id, (r) => {
          got.push(r);
          if (got.length === asked.length) {
            clearTimeout(timer);
            done();
          }
        });
        for (const w of asked) {
          try {
            w.send({ t: 'report', id } satisfies ToWorker);
          } catch {
            // A worker that just died: left out of this report.
          }
        }
      });
      reports.delete(id);
      return mergeReports(got);
    },
    setTls(tls) {
      // Workers started from now on (a respawn) get it in their init.
      o.listeners = o.listeners.map((l) => (l.tls ? { ...l, tls } : l));
      for (const w of up) {
        try {
          w.send({ t: 'tls', tls } satisfies ToWorker);
        } catch {
          // A worker that just died; its replacement starts with the new pair.
        }
      }
    },
    setLogLevel(level) {
      logLevel = level;
      for (const w of up) {
        try {
          w.send({ t: 'level', level } satisfies ToWorker);
        } catch {
          // A worker that just died; its replacement starts at logLevel.
        }
      }
    },
    async close() {
      closing = true;
      release.cancel();
      for (const t of respawns) clearTimeout(t);
      respawns.clear();
      // Every worker gets the grace its requests have, then is killed: a stop always ends, even
      // for a worker still starting (or stuck) that never answers.
      await Promise.all([...workers].map((w) => stopWorker(w, CLOSE_GRACE_MS + 2_000)));
    },
  };
}

