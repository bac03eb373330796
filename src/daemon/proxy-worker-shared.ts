// What the data plane's sync process and its proxy workers share: the messages between them and
// how a process starts its proxy listeners.
import type { Logger, Level } from '../log.js';
import { startProxy, type Proxy } from '../proxy/server.js';
import type { ConfigTable } from '../proxy/config.js';
import type { SharedCounters } from '../plugins/pdk/types.js';
import type { CounterReply, CounterRequest } from '../plugins/runtime/counters.js';
import type { EnabledSet } from './settings-types.js';
import type { TableChange } from '../entities/table-change.js';
import type { AccessLog } from '../util/access-log.js';
import { configureSyslog, SYSLOG_SOCKET_ENV } from '../plugins/syslog/sink.js';
import type { WorkerReport } from './worker-report.js';

export interface ProxyListener {
  host: string;
  port: number;
  /** An `ssl` entry of proxy_listen: certificate (leaf + chain) and key. */
  tls?: { certPem: string; keyPem: string };
  /** Kong's `http2` flag on an ssl entry. */
  http2?: boolean;
}

export const WORKER_ENV = 'HYBRIDCTL_PROXY_WORKER';

// Certificates and keys go over the IPC channel, never through the environment.
export type ToWorker =
  | { t: 'init'; listeners: ProxyListener[]; level: Level; format: 'text' | 'json'; table: Record<string, unknown> | null; plugins: string[]; jsPlugins: { file: string; timeoutMs: number }[]; nodeId: string; accessLog: string | null }
  | { t: 'reopen' }
  | { t: 'swap'; id: number; table: Record<string, unknown> }
  | { t: 'patch'; id: number; changes: readonly TableChange[] }
  | { t: 'close' }
  | { t: 'report'; id: number }
  | { t: 'level'; level: Level }
  | { t: 'tls'; tls: { certPem: string; keyPem: string } }
  | CounterReply;
export type FromWorker =
  | { t: 'ready' }
  | { t: 'listening'; ports: number[] }
  | { t: 'failed'; error: string; code?: string; listener: string }
  | { t: 'swapped'; id: number; error?: string }
  | { t: 'closed' }
  | { t: 'report'; id: number; report: WorkerReport }
  | CounterRequest;

export const where = (l: ProxyListener) => `${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}${l.tls ? ' ssl' : ''}`;

export interface Runtime {
  plugins: EnabledSet;
  nodeId: string;
  counters?: SharedCounters;
  accessLog?: AccessLog | null;
}

export async function startAll(listeners: ProxyListener[], log: Logger, initial: Record<string, unknown> | null, rt: Runtime): Promise<Proxy[]> {
  // Every process that proxies starts here; workers inherit the data plane's environment.
  configureSyslog({ socket: process.env[SYSLOG_SOCKET_ENV] });
  const started: Proxy[] = [];
  try {
    for (const l of listeners) {
      started.push(await startProxy({ listen: { host: l.host, port: l.port }, tls: l.tls, http2: l.http2, log, initial: initial as ConfigTable | null, plugins: rt.plugins, nodeId: rt.nodeId, counters: rt.counters, accessLog: rt.accessLog }));
    }
    return started;
  } catch (err) {
    await Promise.all(started.map((p) => p.close()));
    throw Object.assign(err as Error, { listener: where(listeners[started.length]!) });
  }
}

