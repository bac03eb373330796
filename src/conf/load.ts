// The one configuration loader: Kong's defaults < kong.conf < KONG_* env < flags, every value with
// where it came from, typed for the daemons, problems collected instead of thrown.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError, errorMessage } from '../errors.js';
import { KONG_DEFAULTS, PASS_THROUGH_PREFIXES } from './kong-defaults.js';
import { parseConfText } from './parse.js';
import { SCHEMA, defaultOf, isKnownKey, suggestKey, type RoleName } from './schema.js';
import { parseListeners, type Listener } from './listeners.js';
import { kongNumber, systemBundle } from './values.js';
import type { Finding } from './finding.js';

export const DEFAULT_CONF_PATHS: readonly string[] = ['/etc/kong/kong.conf', '/etc/kong.conf'];

export type Source = 'default' | 'file' | 'env' | 'flag';

export interface Entry {
  value: string | null;
  source: Source;
  line: number | null;
}

export interface KongConf {
  role: RoleName;
  database: string;
  prefix: string;
  log_level: string;
  cluster_mtls: 'shared' | 'pki';
  cluster_cert: string | null;
  cluster_cert_key: string | null;
  cluster_ca_cert: string | null;
  cluster_server_name: string | null;
  cluster_control_plane: string | null;
  cluster_listen: Listener[];
  admin_listen: Listener[];
  proxy_listen: Listener[];
  status_listen: Listener[];
  cluster_use_proxy: boolean;
  proxy_server: string | null;
  proxy_server_ssl_verify: boolean;
  /** Entries as written, `system` replaced by the bundle found (or dropped when none is). */
  lua_ssl_trusted_certificate: string[];
  lua_ssl_verify_depth: number;
  cluster_max_payload: number;
  cluster_data_plane_purge_delay: number;
  cluster_ocsp: 'on' | 'off' | 'optional';
  cluster_dp_labels: string[];
  /** Kong's cluster RPC (/v2/outlet) and sync v2 over it; Kong forces rpc_sync off without rpc. */
  cluster_rpc: boolean;
  cluster_rpc_sync: boolean;
  cluster_allowed_common_names: string[];
  declarative_config: string | null;
  db_update_frequency: number;
  data_plane_config_cache_mode: 'off' | 'unencrypted' | 'encrypted';
  data_plane_config_cache_path: string | null;
  nginx_worker_processes: string;
  node_id: string | null;
  /** As written: `bundled`, `off`, names (the daemons resolve them against the plugins they run). */
  plugins: string[];
}

export interface LoadedConf {
  /** The file read, or null when only defaults/env/flags apply. */
  path: string | null;
  entries: Map<string, Entry>;
  unknown: { key: string; line: number | null; source: Source; suggestion?: string }[];
  conf: KongConf;
  /** Syntax, type, enum and listener errors found while loading (lint reports them). */
  problems: Finding[];
}

export interface LoadOptions {
  /** An explicit file (must be readable); null/undefined searches Kong's default paths. */
  file?: string | null;
  env?: Record<string, string | undefined>;
  flags?: Record<string, string>;
  role?: RoleName;
  /** How the command takes the file, for the hint when it is unreadable (default `-c/--conf`). */
  fileGivenAs?: string;
}

function readConfFile(file: string, givenAs: string): string {
  try {
    if (statSync(file).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : errorMessage(err);
    throw new InputError(`cannot read configuration file ${file}: ${reason}`, { hint: `pass an existing kong.conf ${givenAs}` });
  }
}

export function loadConf(opts: LoadOptions = {}): LoadedConf {
  const entries = new Map<string, Entry>();
  const problems: Finding[] = [];
  const unknown: LoadedConf['unknown'] = [];
  for (const key of new Set([...Object.keys(KONG_DEFAULTS), ...Object.keys(SCHEMA)])) entries.set(key, { value: defaultOf(key), source: 'default', line: null });

  let path: string | null = null;
  if (opts.file) path = resolve(opts.file);
  else path = DEFAULT_CONF_PATHS.find((p) => existsSync(p)) ?? null;
  if (path) {
    const parsed = parseConfText(readConfFile(path, opts.fileGivenAs ?? 'with -c/--conf'));
    for (const p of parsed.problems) problems.push({ severity: 'error', key: '(syntax)', line: p.line, rule: 'syntax', message: p.message });
    for (const [key, e] of parsed.entries) {
      if (!isKnownKey(key)) unknown.push({ key, line: e.line, source: 'file', suggestion: suggestKey(key) });
      entries.set(key, { value: e.value, source: 'file', line: e.line });
    }
  }
  for (const [name, raw] of Object.entries(opts.env ?? {})) {
    if (!name.startsWith('KONG_') || raw === undefined) continue;
    const key = name.slice(5).toLowerCase();
    if (!isKnownKey(key) && !PASS_THROUGH_PREFIXES.some((p) => key.startsWith(p))) continue;
    const v = raw.trim();
    entries.set(key, { value: v === '' ? null : v, source: 'env', line: null });
  }
  for (const [key, raw] of Object.entries(opts.flags ?? {})) {
    const v = raw.trim();
    entries.set(key, { value: v === '' ? null : v, source: 'flag', line: null });
  }
  if (opts.role) entries.set('role', { value: opts.role, source: 'flag', line: null });
  return { path, entries, unknown, conf: typed(entries, problems), problems };
}

const TYPED_ENUMS = new Set(['role', 'database', 'log_level', 'cluster_mtls', 'cluster_ocsp', 'data_plane_config_cache_mode']);

function typed(entries: Map<string, Entry>, problems: Finding[]): KongConf {
  const raw = (k: string) => entries.get(k)?.value ?? null;
  const problem = (key: string, message: string, rule: string, severity: Finding['severity'] = 'error') =>
    problems.push({ severity, key, line: entries.get(key)?.line ?? null, rule, message });

  const str = (k: string) => raw(k);
  const bool = (k: string) => {
    const v = raw(k);
    // Kong: on/true → true, anything else → false without an error; so a warning, since Kong silently reads them as off.
    if (v !== null && !['on', 'off', 'true', 'false'].includes(v)) problem(k, `${k} is not a boolean: '${v}' (Kong reads it as off; use on or off)`, 'boolean-value', 'warning');
    return v === 'on' || v === 'true';
  };
  const num = (k: string) => {
    const v = raw(k);
    if (v === null) return Number(defaultOf(k) ?? 0);
    const n = kongNumber(v);
    if (n === null) {
      problem(k, `${k} is not a number: '${v}'`, 'number-value');
      return Number(defaultOf(k) ?? 0);
    }
    return n;
  };
  const arr = (k: string) => (raw(k) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const enumOf = <T extends string>(k: string): T => {
    const values = SCHEMA[k]!.values!;
    const v = raw(k);
    if (v !== null && values.includes(v)) return v as T;
    if (v !== null) problem(k, `${k} has an invalid value: '${v}' (${values.join(', ')})`, 'enum-value');
    const d = defaultOf(k);
    return (d && values.includes(d) ? d : values[0]) as T;
  };
  const listeners = (k: string) => {
    const r = parseListeners(k, raw(k));
    if (!r.ok) {
      problem(k, r.message, 'listener-syntax');
      return [];
    }
    return r.listeners;
  };
  const trusted = arr('lua_ssl_trusted_certificate').flatMap((e) => {
    if (e !== 'system') return [e];
    const found = systemBundle();
    return found ? [found] : [];
  });
  // Enums KongConf does not carry are still checked, as Kong checks every one.
  for (const [k, p] of Object.entries(SCHEMA)) if (p.type === 'enum' && !TYPED_ENUMS.has(k)) enumOf(k);
  const conf: KongConf = {
    role: enumOf<RoleName>('role'),
    database: enumOf('database'),
    prefix: resolve(str('prefix') ?? '/usr/local/kong/'),
    log_level: enumOf('log_level'),
    cluster_mtls: enumOf('cluster_mtls'),
    cluster_cert: str('cluster_cert'),
    cluster_cert_key: str('cluster_cert_key'),
    cluster_ca_cert: str('cluster_ca_cert'),
    cluster_server_name: str('cluster_server_name'),
    cluster_control_plane: str('cluster_control_plane'),
    cluster_listen: listeners('cluster_listen'),
    admin_listen: listeners('admin_listen'),
    proxy_listen: listeners('proxy_listen'),
    status_listen: listeners('status_listen'),
    cluster_use_proxy: bool('cluster_use_proxy'),
    proxy_server: str('proxy_server'),
    proxy_server_ssl_verify: bool('proxy_server_ssl_verify'),
    lua_ssl_trusted_certificate: trusted,
    lua_ssl_verify_depth: num('lua_ssl_verify_depth'),
    cluster_max_payload: num('cluster_max_payload'),
    cluster_data_plane_purge_delay: num('cluster_data_plane_purge_delay'),
    cluster_ocsp: enumOf('cluster_ocsp'),
    cluster_dp_labels: arr('cluster_dp_labels'),
    cluster_rpc: bool('cluster_rpc'),
    cluster_rpc_sync: bool('cluster_rpc_sync'),
    cluster_allowed_common_names: arr('cluster_allowed_common_names'),
    declarative_config: str('declarative_config'),
    db_update_frequency: num('db_update_frequency'),
    data_plane_config_cache_mode: enumOf('data_plane_config_cache_mode'),
    data_plane_config_cache_path: str('data_plane_config_cache_path'),
    nginx_worker_processes: str('nginx_worker_processes') ?? 'auto',
    node_id: str('node_id'),
    plugins: arr('plugins'),
  };
  // Kong types every property in its table; the ones KongConf does not carry (pg_*) are checked too.
  // hybridctl's own properties (those with their own default) are checked by the code that reads them.
  for (const [k, p] of Object.entries(SCHEMA)) {
    if (k in conf || 'default' in p) continue;
    if (p.type === 'number') num(k);
    else if (p.type === 'boolean') bool(k);
  }
  return conf;
}
