// An incremental sync's row changes applied to the compiled config the proxy serves, at a cost
// that follows the changes, not the config: the router is updated in place, the chains of the
// routes that changed are resolved again, changed services recompiled, and the balancers of the
// upstreams a change touches rebuilt. A service switched on or off files or drops just its routes,
// found through the config's index. A certificate or CA certificate changed takes every service
// speaking TLS upstream through its material again (a scan of the served services, no router
// work). What this cannot do cheaply (vaults and the rest) falls back to a whole compile.
import type { TableChange } from '../entities/table-change.js';
import type { ConfigTable, RouteRow, ServiceRow } from './config.js';
import { assertHosts, serviceTarget, servedRoute, type CompiledConfig, type ServiceTarget } from './compile.js';
import { buildPlan, withRoutes } from '../plugins/runtime/plan.js';
import type { PluginModule } from '../plugins/types.js';
import { TLS_PROTOCOLS, tlsMaterial, upstreamTls } from './upstream/tls.js';
import { fileRoute, fileService, upstreamCertOf } from './compile-index.js';
import { applyBalancerChanges, BALANCER_FAMILIES, changedTargets } from './compile-balancers.js';

/** What the plugin plan is built from besides routes: a change to any of these rebuilds the plan. */
const PLAN_FAMILIES = new Set(['plugins', 'consumers', 'keyauth_credentials', 'basicauth_credentials', 'hmacauth_credentials', 'jwt_secrets', 'acls']);

/** What upstream TLS and the listeners' certificates are built from (snis: the listeners' only). */
const CERT_FAMILIES = new Set(['certificates', 'ca_certificates', 'snis']);

const idOf = (c: TableChange): string => String(c.row?.id ?? c.pk.id);

export interface ChangedConfig {
  compiled: CompiledConfig;
  /** Added routes the router could not compile, for the log. */
  skipped: { id: string; error: string }[];
  /** Did any service change (pools for targets no service names any more can close)? */
  servicesChanged: boolean;
  /** Did a balancer lose a peer (pools of targets no request can use any more can close)? */
  peersGone: boolean;
  pluginsChanged: boolean;
  /** Did certificates, CA certificates or SNIs change (the listeners' certificate index is built again)? */
  certsChanged: boolean;
}

/**
 * The compiled config after `changes`, `table` being the config_table with them applied; null when
 * only a whole compile can apply them. Throws (nothing touched) for what a compile would refuse.
 * `prev` must not serve any more afterwards: its router, balancers and index are the ones updated.
 */
export function compileChanges(prev: CompiledConfig, table: ConfigTable, changes: readonly TableChange[], plugins: ReadonlyMap<string, PluginModule>): ChangedConfig | null {
  const services = new Map<string, ServiceRow | null>();
  const routes = new Map<string, RouteRow | null>();
  const balancing: TableChange[] = [];
  let pluginsChanged = false;
  let certsChanged = false;
  let tlsChanged = false;
  for (const c of changes) {
    if (c.type === 'services') services.set(idOf(c), c.row as ServiceRow | null);
    else if (c.type === 'routes') routes.set(idOf(c), c.row as RouteRow | null);
    else if (BALANCER_FAMILIES.has(c.type)) balancing.push(c);
    else if (PLAN_FAMILIES.has(c.type)) pluginsChanged = true;
    else if (CERT_FAMILIES.has(c.type)) {
      certsChanged = true;
      if (c.type !== 'snis') tlsChanged = true;
    } else return null;
  }
  const targets = balancing.length > 0 ? changedTargets(prev.index, balancing) : [];
  if (!targets) return null;
  const upserted = [...services.values()].filter((s): s is ServiceRow => s !== null);
  assertHosts({ services: upserted, targets });
  const added = new Map([...routes].filter((e): e is [string, RouteRow] => e[1] !== null));
  const plan = pluginsChanged ? buildPlan(table, plugins) : routes.size > 0 ? withRoutes(prev.plan, routes.keys(), [...added.values()]) : prev.plan;

  // Nothing throws from here on: the index, the balancers and the router change in place.
  const { hosts, peersGone } = balancing.length > 0 ? applyBalancerChanges(prev, balancing) : { hosts: new Set<string>(), peersGone: false };
  for (const [id, row] of routes) fileRoute(prev.index, id, row);
  const served = (s: ServiceRow | null): s is ServiceRow => s !== null && s.enabled !== false;
  // Switching a service on or off files or drops all of its routes; so does deleting a disabled one,
  // whose routes a whole compile serves again if they are still there.
  const toggled = [...services].filter(([id, row]) => prev.disabled.has(id) !== (row?.enabled === false));
  let disabled = prev.disabled;
  if (toggled.length > 0) {
    disabled = new Set(prev.disabled);
    for (const [id, row] of toggled) {
      if (row?.enabled === false) disabled.add(id);
      else disabled.delete(id);
    }
  }
  const removed = new Set(routes.keys());
  for (const [id] of toggled) {
    for (const [rid, r] of prev.index.routesByService.get(id) ?? []) {
      removed.add(rid);
      added.set(rid, r);
    }
  }

  let serviceTargets = prev.services;
  let serviceRows = prev.serviceRows;
  const recompile = new Set<string>();
  for (const host of hosts) for (const id of prev.index.servicesByHost.get(host) ?? []) recompile.add(id);
  if (tlsChanged) for (const [id, row] of prev.serviceRows) if (TLS_PROTOCOLS.has(String(row.protocol))) recompile.add(id);
  if (services.size > 0 || recompile.size > 0) {
    serviceTargets = new Map(prev.services);
    serviceRows = new Map(prev.serviceRows);
    const material = tlsMaterial(table);
    const target = (row: ServiceRow): ServiceTarget => serviceTarget(row, upstreamTls(row, upstreamCertOf(prev.index, row.host), material));
    for (const [id, row] of services) {
      fileService(prev.index, id, prev.serviceRows.get(id) ?? null, served(row) ? row : null);
      recompile.delete(id);
      if (!served(row)) {
        serviceTargets.delete(id);
        serviceRows.delete(id);
        continue;
      }
      serviceTargets.set(id, target(row));
      serviceRows.set(id, row);
    }
    for (const id of recompile) serviceTargets.set(id, target(serviceRows.get(id)!));
  }
  const skipped = removed.size > 0 ? prev.router.update(removed, [...added.values()].filter((r) => servedRoute(r, disabled))) : [];
  return {
    compiled: { router: prev.router, services: serviceTargets, balancers: prev.balancers, plan, serviceRows, disabled, index: prev.index },
    skipped,
    servicesChanged: services.size > 0 || recompile.size > 0,
    peersGone,
    pluginsChanged,
    certsChanged,
  };
}
