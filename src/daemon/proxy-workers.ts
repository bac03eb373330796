// nginx_worker_processes for the data plane: one process keeps the CP connection, N workers proxy.
// Workers share the listening socket (node:cluster, kernel-balanced accepts) and receive every new
// config_table from the sync process; a worker that dies is replaced and gets the current config.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../log.js';
import { createLogger, type Level } from '../log.js';
import { errorMessage, RuntimeError } from '../errors.js';
import { startProxy } from '../proxy/server.js';
import type { ConfigTable } from '../proxy/config.js';

export interface ProxyFleet {
  address: { host: string; port: number };
  workers: number;
  /** Serve a new config in every worker; rejects (old config kept) when it cannot be compiled. */
  swap(table: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

const WORKER_ENV = 'HYBRIDCTL_PROXY_WORKER';

type ToWorker = { t: 'swap'; id: number; table: Record<string, unknown> } | { t: 'close' };
type FromWorker = { t: 'listening'; port: number } | { t: 'failed'; error: string; code?: string } | { t: 'swapped'; id: number; error?: string } | { t: 'closed' };

export async function startProxyWorkers(o: { listen: { host: string; port: number }; workers: number; log: Logger; logLevel?: Level; logFormat?: 'text' | 'json' }): Promise<ProxyFleet> {
  if (o.workers <= 1) {
    const proxy = await startProxy({ listen: o.listen, log: o.log.child('proxy') });
    return {
      address: proxy.address,
      workers: 1,
      swap: async (table) => proxy.swap(table as ConfigTable),
      close: () => proxy.close(),
    };
  }
  return startFleet(o);
}

async function startFleet(o: { listen: { host: string; port: number }; workers: number; log: Logger; logLevel?: Level; logFormat?: 'text' | 'json' }): Promise<ProxyFleet> {
  const log = o.log.child('proxy');
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  let current: Record<string, unknown> | null = null;
  let nextId = 1;
  let closing = false;
  const pending = new Map<number, { left: Set<Worker>; errors: string[]; done: () => void }>();
  const workers = new Set<Worker>();
  let port = o.listen.port;

  const spawn = (): Promise<Worker> =>
    new Promise((resolveSpawn, rejectSpawn) => {
      // Every worker asks for the configured port (0 included): node:cluster hands them one shared socket.
      const env = { [WORKER_ENV]: JSON.stringify({ host: o.listen.host, port: o.listen.port, level: o.logLevel ?? 'info', format: o.logFormat ?? 'text' }) };
      const w = cluster.fork(env);
      workers.add(w);
      w.on('message', (m: FromWorker) => {
        if (m.t === 'failed') {
          const inUse = m.code === 'EADDRINUSE';
          rejectSpawn(new RuntimeError(`cannot listen on ${o.listen.host}:${o.listen.port} (proxy_listen): ${inUse ? 'address in use' : m.error}`, { hint: inUse ? 'another process holds the port: stop it or change --proxy-listen' : 'check proxy_listen' }));
        } else if (m.t === 'listening') {
          port = m.port;
          if (current) w.send({ t: 'swap', id: 0, table: current } satisfies ToWorker);
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
        for (const p of pending.values()) if (p.left.delete(w) && p.left.size === 0) p.done();
        if (closing) return;
        if (!running) {
          rejectSpawn(new RuntimeError(`proxy worker ${w.process.pid} exited during start (code ${code})`, { hint: `check that ${o.listen.host}:${o.listen.port} (proxy_listen) is free` }));
          return;
        }
        log.error('proxy worker exited; starting a new one', { pid: w.process.pid, code, signal });
        setTimeout(() => void spawn().catch((err: unknown) => log.error('could not replace a proxy worker', { error: errorMessage(err) })), 200).unref();
      });
    });

  // Replacing dead workers starts once all are up; a failure while starting stops them all.
  let running = false;
  try {
    // The first worker binds (and resolves port 0); the rest share its socket.
    await spawn();
    await Promise.all(Array.from({ length: o.workers - 1 }, () => spawn()));
  } catch (err) {
    closing = true;
    for (const w of workers) w.process.kill('SIGKILL');
    throw err;
  }
  running = true;

  return {
    address: { host: o.listen.host, port },
    workers: o.workers,
    async swap(table) {
      const id = nextId++;
      const errors: string[] = [];
      await new Promise<void>((done) => {
        const left = new Set(workers);
        if (left.size === 0) return done();
        pending.set(id, { left, errors, done });
        for (const w of left) w.send({ t: 'swap', id, table } satisfies ToWorker);
      });
      pending.delete(id);
      if (errors.length > 0) throw new RuntimeError(`configuration refused by the proxy: ${errors[0]}`);
      current = table;
    },
    async close() {
      closing = true;
      await Promise.all(
        [...workers].map(
          (w) =>
            new Promise<void>((done) => {
              w.once('exit', () => done());
              w.send({ t: 'close' } satisfies ToWorker);
            }),
        ),
      );
    },
  };
}

/** In a proxy worker process: serve until told to close. Returns false in any other process. */
export async function runProxyWorkerIfAsked(): Promise<boolean> {
  const raw = process.env[WORKER_ENV];
  if (!cluster.isWorker || !raw) return false;
  const cfg = JSON.parse(raw) as { host: string; port: number; level: Level; format: 'text' | 'json' };
  const log = createLogger({ level: cfg.level, format: cfg.format }).child('proxy', { worker: process.pid });
  const send = (m: FromWorker) => process.send?.(m);
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  try {
    proxy = await startProxy({ listen: { host: cfg.host, port: cfg.port }, log });
  } catch (err) {
    // The sync process reports it; this process just leaves.
    send({ t: 'failed', error: errorMessage(err), code: (err as NodeJS.ErrnoException).code });
    process.exitCode = 1;
    process.disconnect?.();
    return true;
  }
  // Signals go to the sync process, which stops the workers in order.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  process.on('message', (m: ToWorker) => {
    if (m.t === 'swap') {
      try {
        proxy.swap(m.table as ConfigTable);
        send({ t: 'swapped', id: m.id });
      } catch (err) {
        send({ t: 'swapped', id: m.id, error: errorMessage(err) });
      }
    } else if (m.t === 'close') {
      void proxy.close().finally(() => {
        send({ t: 'closed' });
        process.disconnect?.();
      });
    }
  });
  process.on('disconnect', () => void proxy.close());
  send({ t: 'listening', port: proxy.address.port });
  return true;
}
