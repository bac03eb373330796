// SIGHUP: the configuration is read again the way the daemon was started (kong.conf, the KONG_*
// environment as it was then, the same flags), checked whole, and only then applied. What cannot
// change in a running daemon is named, one line per property, and left as it runs.
import type { Logger } from '../log.js';
import { errorMessage, ConfigError } from '../errors.js';
import type { LoadedConf } from '../conf/index.js';

/** Properties a reload applies, per role; any other changed property needs a restart. */
export const LIVE_KEYS: Record<'control_plane' | 'data_plane', ReadonlySet<string>> = {
  control_plane: new Set(['log_level', 'cluster_cert', 'cluster_cert_key', 'cluster_ca_cert', 'admin_ssl_cert', 'admin_ssl_cert_key', 'status_ssl_cert', 'status_ssl_cert_key']),
  data_plane: new Set(['log_level', 'cluster_cert', 'cluster_cert_key', 'cluster_ca_cert', 'cluster_server_name', 'lua_ssl_trusted_certificate', 'status_ssl_cert', 'status_ssl_cert_key', 'ssl_cert', 'ssl_cert_key']),
};

/** kong.conf properties whose value differs between two loads. */
export function changedKeys(before: LoadedConf, after: LoadedConf): string[] {
  const a = before.conf as unknown as Record<string, unknown>;
  const b = after.conf as unknown as Record<string, unknown>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
}

export interface Reloader<S> {
  role: 'control_plane' | 'data_plane';
  log: Logger;
  /** Reads and checks the configuration again; throws on any error finding. */
  load(): LoadedConf;
  settings(loaded: LoadedConf): Promise<S>;
  /** Applies what can change live; throws, nothing changed, when it cannot. */
  apply(settings: S, loaded: LoadedConf): Promise<void>;
}

/** One reload; resolves with the configuration now running (the old one when refused). */
export async function reload<S>(current: LoadedConf, r: Reloader<S>): Promise<LoadedConf> {
  r.log.info('reloading the configuration', { signal: 'SIGHUP', file: current.path ?? 'none' });
  let next: LoadedConf;
  try {
    next = r.load();
    const settings = await r.settings(next);
    await r.apply(settings, next);
  } catch (err) {
    const first = err instanceof ConfigError && err.details.length > 0 ? `: ${err.details[0]}` : '';
    r.log.error(`reload refused, the running configuration is kept: ${errorMessage(err)}${first}`);
    return current;
  }
  const live = LIVE_KEYS[r.role];
  for (const key of changedKeys(current, next)) {
    if (!live.has(key)) r.log.warn(`${key} changed; restart to apply`, { key });
  }
  r.log.info('configuration reloaded');
  return next;
}
