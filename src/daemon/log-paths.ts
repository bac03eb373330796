// Where kong.conf's access logs go: `off`, or a path (relative ones under the prefix, as Kong
// resolves them) followed by nginx parameters such as a format name, which are not read here.
import { isAbsolute, join } from 'node:path';
import type { LoadedConf } from '../conf/index.js';

export interface AccessLogPaths {
  proxy: string | null;
  admin: string | null;
  status: string | null;
}

function pathOf(loaded: LoadedConf, key: string, prefix: string): string | null {
  const raw = loaded.entries.get(key)?.value;
  const first = typeof raw === 'string' ? raw.trim().split(/\s+/)[0] : undefined;
  if (!first || first === 'off') return null;
  return isAbsolute(first) ? first : join(prefix, first);
}

export function accessLogPaths(loaded: LoadedConf, prefix: string): AccessLogPaths {
  return {
    proxy: pathOf(loaded, 'proxy_access_log', prefix),
    admin: pathOf(loaded, 'admin_access_log', prefix),
    status: pathOf(loaded, 'status_access_log', prefix),
  };
}
