// inspect dataplanes: GET /clustering/data-planes against the CP's own configuration_hash (GET
// /status). A DP is in sync when it reports that hash; Kong's sync_status says when it cannot be.
import type { AdminClient } from './client.js';

type Row = Record<string, unknown>;

/** Kong's clustering sync_status values that mean the DP will not take this CP's configuration. */
const INCOMPATIBLE = new Set(['kong_version_incompatible', 'plugin_set_incompatible', 'plugin_version_incompatible', 'filter_set_incompatible']);

export interface DataPlaneView {
  id: string;
  hostname: string;
  ip: string;
  version: string;
  sync_status: string;
  config_hash: string;
  in_sync: boolean;
  /** ISO 8601. */
  last_seen: string;
  last_seen_seconds_ago: number;
}

export interface DataPlaneReport {
  control_plane_hash: string | null;
  data_planes: DataPlaneView[];
  ok: boolean;
}

/** Kong's DP reports this hash while its configuration is empty, whatever the CP's hash of "nothing" is. */
const EMPTY_HASH = '0'.repeat(32);
const COLLECTIONS = ['services', 'routes', 'plugins', 'upstreams', 'consumers', 'certificates', 'snis', 'ca_certificates'];

async function cpIsEmpty(client: AdminClient): Promise<boolean> {
  for (const c of COLLECTIONS) if (((await client.do('GET', `/${c}?size=1`)).json as { data: Row[] }).data.length) return false;
  return true;
}

export async function inspectDataPlanes(client: AdminClient, now: Date): Promise<DataPlaneReport> {
  const status = (await client.do('GET', '/status')).json as Row;
  const cpHash = typeof status.configuration_hash === 'string' ? status.configuration_hash : null;
  const rows: Row[] = [];
  // Kong pages this list with `next`; follow it so a large fleet is listed whole.
  let next: string | null = '/clustering/data-planes';
  while (next) {
    const page = (await client.do('GET', next)).json as { data: Row[]; next?: string | null };
    rows.push(...page.data);
    next = page.next ?? null;
  }
  const emptyOk = rows.some((r) => r.config_hash === EMPTY_HASH) && (await cpIsEmpty(client));
  const views = rows.map((r): DataPlaneView => {
    const lastSeen = Number(r.last_seen);
    return {
      id: String(r.id),
      hostname: String(r.hostname ?? ''),
      ip: String(r.ip ?? ''),
      version: String(r.version ?? ''),
      sync_status: String(r.sync_status ?? 'unknown'),
      config_hash: String(r.config_hash ?? ''),
      in_sync: cpHash !== null && (r.config_hash === cpHash || (emptyOk && r.config_hash === EMPTY_HASH)) && !INCOMPATIBLE.has(String(r.sync_status)),
      last_seen: new Date(lastSeen * 1000).toISOString(),
      last_seen_seconds_ago: Math.max(0, Math.round(now.getTime() / 1000 - lastSeen)),
    };
  });
  return { control_plane_hash: cpHash, data_planes: views, ok: views.every((v) => v.in_sync) };
}

/**
 * What a watcher reports as a change: everything but the last-seen times, which move with every
 * ping (Kong's PING_INTERVAL, 30 s) while nothing an operator acts on has changed.
 */
export function changeKey(r: DataPlaneReport): string {
  return JSON.stringify({ ...r, data_planes: r.data_planes.map(({ last_seen: _a, last_seen_seconds_ago: _b, ...rest }) => rest) });
}
