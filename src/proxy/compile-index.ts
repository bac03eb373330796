// What a compiled config remembers of its table so that an incremental sync reaches the few
// things a change touches (a service's routes, an upstream's targets, the services naming an
// upstream) without a scan of the whole config. Built by a whole compile; compileChanges updates
// it in place once nothing can throw any more, since the config it came with is not served after
// a patch.
import type { ConfigTable, RouteRow, ServiceRow, TargetRow, UpstreamRow } from './config.js';
import { list, refId } from './config.js';

export interface TargetEntry {
  row: TargetRow;
  upstream: string | null;
  /** Place in the table's targets: a balancer's peers keep the table's order (its round-robin). */
  seq: number;
}

export interface ConfigIndex {
  /** Every route naming a service, by that service's id, whether it is served or not. */
  routesByService: Map<string, Map<string, RouteRow>>;
  routeService: Map<string, string>;
  /** Ids of the services served, by their `host`: the upstream of that name reaches them. */
  servicesByHost: Map<string, Set<string>>;
  upstreams: Map<string, UpstreamRow>;
  /** The upstream id a name stands for (the last one, as a whole compile's maps keep it). */
  upstreamByName: Map<string, string>;
  /** False once two upstreams shared a name: which one serves is then a whole compile's call. */
  namesUnique: boolean;
  targets: Map<string, TargetEntry>;
  targetsByUpstream: Map<string, Set<string>>;
  /** The place a target created by a delta takes: last, as the data plane's table files it. */
  nextSeq: number;
}

/** `services`: the ones served (enabled). */
export function buildIndex(table: ConfigTable, services: ReadonlyMap<string, ServiceRow>): ConfigIndex {
  const index: ConfigIndex = {
    routesByService: new Map(),
    routeService: new Map(),
    servicesByHost: new Map(),
    upstreams: new Map(),
    upstreamByName: new Map(),
    namesUnique: true,
    targets: new Map(),
    targetsByUpstream: new Map(),
    nextSeq: 0,
  };
  for (const r of list(table.routes)) fileRoute(index, r.id, r);
  for (const [id, s] of services) fileService(index, id, null, s);
  for (const u of list(table.upstreams)) {
    if (index.upstreamByName.has(u.name)) index.namesUnique = false;
    fileUpstream(index, u.id, u);
  }
  // A target without an id cannot be named by a delta; it still counts among its upstream's peers.
  list(table.targets).forEach((t, i) => fileTarget(index, typeof t.id === 'string' ? t.id : `\0${i}`, t));
  return index;
}

export function fileRoute(index: ConfigIndex, id: string, row: RouteRow | null): void {
  const was = index.routeService.get(id);
  if (was !== undefined) {
    const group = index.routesByService.get(was)!;
    group.delete(id);
    if (group.size === 0) index.routesByService.delete(was);
    index.routeService.delete(id);
  }
  const sid = row ? refId(row.service) : null;
  if (!row || !sid) return;
  index.routeService.set(id, sid);
  let group = index.routesByService.get(sid);
  if (!group) index.routesByService.set(sid, (group = new Map()));
  group.set(id, row);
}

/** `was`, `row`: the service as served before and after, null when it is not served. */
export function fileService(index: ConfigIndex, id: string, was: ServiceRow | null, row: ServiceRow | null): void {
  if (was) {
    const host = was.host ?? '';
    const ids = index.servicesByHost.get(host);
    ids?.delete(id);
    if (ids?.size === 0) index.servicesByHost.delete(host);
  }
  if (!row) return;
  const host = row.host ?? '';
  let ids = index.servicesByHost.get(host);
  if (!ids) index.servicesByHost.set(host, (ids = new Set()));
  ids.add(id);
}

export function fileUpstream(index: ConfigIndex, id: string, row: UpstreamRow | null): void {
  const was = index.upstreams.get(id);
  if (was && index.upstreamByName.get(was.name) === id) index.upstreamByName.delete(was.name);
  if (!row) {
    index.upstreams.delete(id);
    return;
  }
  index.upstreams.set(id, row);
  index.upstreamByName.set(row.name, id);
}

export function fileTarget(index: ConfigIndex, id: string, row: TargetRow | null): void {
  const was = index.targets.get(id);
  if (was?.upstream != null) {
    const ids = index.targetsByUpstream.get(was.upstream)!;
    ids.delete(id);
    if (ids.size === 0) index.targetsByUpstream.delete(was.upstream);
  }
  if (!row) {
    index.targets.delete(id);
    return;
  }
  const upstream = refId(row.upstream);
  index.targets.set(id, { row, upstream, seq: was?.seq ?? index.nextSeq++ });
  if (upstream === null) return;
  let ids = index.targetsByUpstream.get(upstream);
  if (!ids) index.targetsByUpstream.set(upstream, (ids = new Set()));
  ids.add(id);
}

/** An upstream's targets in the table's order. */
export function targetsOf(index: ConfigIndex, upstream: string): TargetRow[] {
  const ids = index.targetsByUpstream.get(upstream);
  if (!ids) return [];
  const entries = [...ids].map((id) => index.targets.get(id)!);
  return entries.sort((a, b) => a.seq - b.seq).map((e) => e.row);
}

/** The client certificate of the upstream a service host names, as a whole compile finds it. */
export function upstreamCertOf(index: ConfigIndex, host: string | null | undefined): unknown {
  const id = index.upstreamByName.get(host ?? '');
  return id === undefined ? undefined : index.upstreams.get(id)?.client_certificate;
}
