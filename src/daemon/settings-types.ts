// What the daemons run with, resolved from kong.conf: files read, listeners picked, defaults applied.
import type { PluginModule } from '../plugins/types.js';
import type { AccessLogPaths } from './log-paths.js';
import type { DatabaseChoice } from './database.js';

export type Listen = { host: string; port: number };
/** One entry of admin_listen / status_listen / proxy_listen; `ssl` ones terminate TLS. */
export type ListenEntry = Listen & { ssl: boolean; http2?: boolean };
export type TlsPair = { certPem: string; keyPem: string };
/** kong.conf `plugins` resolved: the plugins this node runs, by name. */
export type EnabledSet = ReadonlyMap<string, PluginModule>;

export interface CpSettings {
  prefix: string;
  mode: 'shared' | 'pki';
  /** Leaf followed by its chain. */
  certPem: string;
  keyPem: string;
  /** pki: cluster_ca_cert. */
  caPems: string[];
  /** Every cluster_listen entry (all TLS). */
  clusterListen: Listen[];
  /** Every admin_listen entry; empty when off. */
  adminListen: ListenEntry[];
  /** admin_ssl_cert / admin_ssl_cert_key, when configured (else a default is generated in the prefix). */
  adminTls?: TlsPair;
  statusListen: ListenEntry[];
  statusTls?: TlsPair;
  maxIntermediates: number;
  /** Offer kong.sync.v2 on /v2/outlet (see offersSyncV2 in settings.ts); default true. */
  syncV2?: boolean;
  ocsp: 'on' | 'off' | 'optional';
  maxPayload: number;
  purgeDelaySec: number;
  plugins: EnabledSet;
  /** proxy_access_log, admin_access_log, status_access_log; null: off. */
  accessLogs?: AccessLogPaths;
  /** Where the configuration is kept; the embedded LMDB when absent. */
  database?: DatabaseChoice;
}

export interface DpSettings {
  prefix: string;
  mode: 'shared' | 'pki';
  cpAddress: string;
  certPem: string;
  keyPem: string;
  /** cluster_ca_cert plus lua_ssl_trusted_certificate, pki mode. */
  caPems: string[];
  serverName?: string;
  forwardProxy: { url: string; sslVerify: boolean; caPems?: string[] } | null;
  /** Every proxy_listen entry; `ssl` ones terminate TLS with `proxyTls` (or a generated default). */
  proxyListeners: (Listen & { ssl: boolean; http2?: boolean })[];
  /** ssl_cert / ssl_cert_key, when configured. */
  proxyTls?: { certPem: string; keyPem: string };
  statusListen: ListenEntry[];
  statusTls?: TlsPair;
  declarativeConfig?: string;
  cacheMode: 'off' | 'unencrypted' | 'encrypted';
  cachePath?: string;
  labels?: Record<string, string>;
  /** cluster_rpc and cluster_rpc_sync: try sync v2 on /v2/outlet first, v1 when the CP has none. */
  rpcSync?: boolean;
  workers: number;
  plugins: EnabledSet;
  accessLogs?: AccessLogPaths;
  workerLog?: { level: 'debug' | 'info' | 'warn' | 'error'; format: 'text' | 'json' };
  hostname?: string;
  timers?: { pingMs?: number; silenceMs?: number; reconnectMinMs?: number; reconnectMaxMs?: number; firstConfigMs?: number };
}
