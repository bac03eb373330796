// What the data plane's sync client takes, and what each connection (v1 or v2) is handed by it.
import type { Logger } from '../../log.js';
import type { Explained } from './explain.js';
import type { TableChange } from '../../entities/table-change.js';

export interface SyncClientOptions {
  cpAddress: string;
  mode: 'shared' | 'pki';
  certPem: string;
  keyPem: string;
  caPems?: string[];
  serverName?: string;
  proxy?: { url: string; sslVerify: boolean; caPems?: string[] } | null;
  nodeId: string;
  hostname: string;
  version: string;
  labels?: Record<string, string>;
  plugins?: { name: string; version: string }[];
  log: Logger;
  currentHash: () => string | null;
  /** `syncVersion`: set when the config came over sync v2, the version it stands for. */
  apply: (configTable: Record<string, unknown>, hash: string, meta?: { syncVersion?: string }) => Promise<void>;
  /**
   * cluster_rpc and cluster_rpc_sync: ask /v2/outlet for sync v2 first, and use v1 when the
   * control plane does not offer it.
   */
  rpcSync?: boolean;
  /** Sync v2: the version of the config being served (null: none, or it came over v1). */
  syncVersion?: () => string | null;
  /** Sync v2: the config being served, which deltas that are not a full sync apply to. */
  currentTable?: () => Record<string, unknown> | null;
  /**
   * Sync v2, deltas that are not a full sync: serve `configTable` (the served one with `changes`
   * applied) without re-applying it whole. Absent: such a table is applied whole with its hash.
   */
  applyChanges?: (configTable: Record<string, unknown>, changes: readonly TableChange[], syncVersion: string) => Promise<void>;
  /** Sync v2: the config is unchanged but now stands for this version (remember it). */
  adoptSyncVersion?: (version: string) => Promise<void>;
  /** Sync v2's kong_conf in the hello: Kong's CP reads cluster_dp_labels from it. */
  confForHello?: Record<string, unknown>;
  maxPayload?: number;
  /** Largest inflated config accepted (gzip and snappy bombs); default 128 MiB. */
  maxInflated?: number;
  timers?: { pingMs?: number; silenceMs?: number; reconnectMinMs?: number; reconnectMaxMs?: number; firstConfigMs?: number };
}

export interface SessionEnv {
  o: SyncClientOptions;
  log: Logger;
  pingMs: number;
  silenceMs: number;
  maxInflated: number;
  report(e: Explained): void;
  /** Explains a connection error (TLS, HTTP status, network) and reports it. */
  reportError(err: unknown): void;
  pinMismatch(): boolean;
  onConnected(fields: Record<string, string>): void;
  /** The connection is gone; `connected`: it had opened (and, for v2, finished its hello). */
  onClosed(connected: boolean, code: number, reason: string): void;
}

/**
 * Kong's config hash is an md5 in hex: anything else from a peer is refused before it is compared,
 * logged, cached or served by /status (a 1 MB "hash" would be all four). Names the length, never
 * echoes the value.
 */
export function configHashProblem(hash: unknown): string | null {
  if (typeof hash !== 'string') return `config_hash: expected a string, got ${hash === null ? 'null' : typeof hash}`;
  if (!/^[0-9a-f]{32}$/i.test(hash)) return `config_hash: expected 32 hexadecimal characters, got ${hash.length} characters${hash.length === 32 ? ' (not hexadecimal)' : ''}`;
  return null;
}

/** An error that may quote what a peer sent, as one bounded log field. */
export function capped(text: string, max = 1000): string {
  const cut = text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
  // eslint-disable-next-line no-control-regex
  return cut.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
