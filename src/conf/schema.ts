// The properties hybridctl reads, as data: type, which roles use them, whether they are secret.
// Defaults come from Kong's own table (kong-defaults.ts) unless a property is hybridctl's own.
import { KONG_DEFAULTS, PASS_THROUGH_PREFIXES } from './kong-defaults.js';

export type PropType = 'string' | 'boolean' | 'number' | 'array' | 'listeners' | 'enum';
export type RoleName = 'control_plane' | 'data_plane' | 'traditional';

export interface Property {
  type: PropType;
  /** enum values, in Kong's order (used in its message). */
  values?: readonly string[];
  roles?: readonly RoleName[];
  secret?: boolean;
  /** Only for properties Kong 3.x does not define itself. */
  default?: string | null;
  description?: string;
}

const CP: RoleName[] = ['control_plane'];
const DP: RoleName[] = ['data_plane'];
const HYBRID: RoleName[] = ['control_plane', 'data_plane'];

export const SCHEMA: Readonly<Record<string, Property>> = {
  prefix: { type: 'string', description: 'working directory' },
  role: { type: 'enum', values: ['data_plane', 'control_plane', 'traditional'] },
  database: { type: 'enum', values: ['postgres', 'cassandra', 'off'] },
  log_level: { type: 'enum', values: ['debug', 'info', 'notice', 'warn', 'error', 'crit', 'alert', 'emerg'] },
  // The remaining enums of Kong's conf_loader/constants.lua: checked even though hybridctl does not act on them.
  error_default_type: { type: 'enum', values: ['application/json', 'application/xml', 'text/html', 'text/plain'] },
  worker_consistency: { type: 'enum', values: ['strict', 'eventual'] },
  router_consistency: { type: 'enum', values: ['strict', 'eventual'] },
  router_flavor: { type: 'enum', values: ['traditional', 'traditional_compatible', 'expressions'] },
  untrusted_lua: { type: 'enum', values: ['on', 'off', 'sandbox'] },
  proxy_listen: { type: 'listeners', roles: ['data_plane', 'traditional'] },
  admin_listen: { type: 'listeners', roles: ['control_plane', 'traditional'] },
  status_listen: { type: 'listeners' },
  cluster_listen: { type: 'listeners', roles: CP },
  cluster_control_plane: { type: 'string', roles: DP },
  cluster_mtls: { type: 'enum', values: ['shared', 'pki'], roles: HYBRID },
  cluster_cert: { type: 'string', roles: HYBRID },
  cluster_cert_key: { type: 'string', roles: HYBRID, secret: true },
  cluster_ca_cert: { type: 'string', roles: HYBRID },
  cluster_server_name: { type: 'string', roles: DP },
  cluster_data_plane_purge_delay: { type: 'number', roles: CP },
  cluster_ocsp: { type: 'enum', values: ['on', 'off', 'optional'], roles: CP },
  cluster_max_payload: { type: 'number', roles: HYBRID },
  cluster_use_proxy: { type: 'boolean', roles: DP },
  cluster_dp_labels: { type: 'array', roles: DP },
  cluster_rpc: { type: 'boolean', roles: HYBRID },
  cluster_rpc_sync: { type: 'boolean', roles: HYBRID },
  cluster_allowed_common_names: { type: 'array', roles: CP, default: null },
  proxy_server: { type: 'string', roles: DP, secret: true },
  proxy_server_ssl_verify: { type: 'boolean', roles: DP },
  lua_ssl_trusted_certificate: { type: 'array' },
  lua_ssl_verify_depth: { type: 'number' },
  declarative_config: { type: 'string', roles: ['data_plane', 'traditional'] },
  db_update_frequency: { type: 'number' },
  nginx_worker_processes: { type: 'string' },
  data_plane_config_cache_mode: { type: 'enum', values: ['unencrypted', 'encrypted', 'off'], roles: DP, default: 'unencrypted' },
  data_plane_config_cache_path: { type: 'string', roles: DP, default: null },
  node_id: { type: 'string' },
  plugins: { type: 'array' },
  // hybridctl's own: JavaScript plugins (kong-pdk modules) run in-process instead of by a plugin server.
  js_plugins_directory: { type: 'array', roles: HYBRID, default: null, description: 'directories of JavaScript plugins (kong-pdk modules) to load; kong-js-pluginserver --plugins-directory in pluginserver_*_start_cmd is read too' },
  js_plugins_timeout: { type: 'number', roles: DP, default: '5000', description: 'milliseconds a JavaScript plugin phase may take before its request gets a 500' },
  // PostgreSQL, typed as Kong's conf_loader/constants.lua types them; every pg_ro_* falls back to its pg_*.
  pg_host: { type: 'string' },
  pg_port: { type: 'number' },
  pg_timeout: { type: 'number' },
  pg_user: { type: 'string' },
  pg_password: { type: 'string', secret: true },
  pg_database: { type: 'string' },
  pg_schema: { type: 'string' },
  pg_ssl: { type: 'boolean' },
  pg_ssl_verify: { type: 'boolean' },
  pg_max_concurrent_queries: { type: 'number' },
  pg_semaphore_timeout: { type: 'number' },
  pg_keepalive_timeout: { type: 'number' },
  pg_pool_size: { type: 'number' },
  pg_backlog: { type: 'number' },
  _debug_pg_ttl_cleanup_interval: { type: 'number' },
  pg_ro_host: { type: 'string' },
  pg_ro_port: { type: 'number' },
  pg_ro_timeout: { type: 'number' },
  pg_ro_user: { type: 'string' },
  pg_ro_password: { type: 'string', secret: true },
  pg_ro_database: { type: 'string' },
  pg_ro_schema: { type: 'string' },
  pg_ro_ssl: { type: 'boolean' },
  pg_ro_ssl_verify: { type: 'boolean' },
  pg_ro_max_concurrent_queries: { type: 'number' },
  pg_ro_semaphore_timeout: { type: 'number' },
  pg_ro_keepalive_timeout: { type: 'number' },
  pg_ro_pool_size: { type: 'number' },
  pg_ro_backlog: { type: 'number' },
};

export function defaultOf(key: string): string | null {
  const own = SCHEMA[key];
  if (own && 'default' in own) return own.default ?? null;
  return KONG_DEFAULTS[key] ?? null;
}

export function isKnownKey(key: string): boolean {
  return key in SCHEMA || key in KONG_DEFAULTS || PASS_THROUGH_PREFIXES.some((p) => key.startsWith(p));
}

export function isSecretKey(key: string): boolean {
  return SCHEMA[key]?.secret === true || /(^|_)(password|passwd|secret|token)$/.test(key);
}

export const ALL_KEYS: readonly string[] = [...new Set([...Object.keys(KONG_DEFAULTS), ...Object.keys(SCHEMA)])].sort();

/** The closest known key, when it is close enough to be the one meant. */
export function suggestKey(key: string): string | undefined {
  // Misspellings Kong's own documentation has spread.
  if (key === 'proxy_server_tls_verify') return 'proxy_server_ssl_verify';
  const limit = Math.max(2, Math.floor(key.length / 5));
  let best: string | undefined;
  // Starting at the limit skips keys too different in length, so huge junk keys cost nothing.
  let bestD = limit + 1;
  for (const k of ALL_KEYS) {
    if (Math.abs(k.length - key.length) >= bestD) continue;
    const d = distance(key, k, bestD);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined && bestD <= limit ? best : undefined;
}

function distance(a: string, b: string, cap: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin >= cap) return cap;
    prev = cur;
  }
  return prev[b.length]!;
}
