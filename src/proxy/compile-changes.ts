// An incremental sync's row changes applied to the compiled config the proxy serves, at a cost
// that follows the changes, not the config: the router is updated in place, the chains of the
// routes that changed are resolved again, changed services recompiled. What this cannot do
// cheaply (balancers, certificates, a service switched on or off) falls back to a whole compile.
import type { TableChange } from '../entities/table-change.js';
import type { ConfigTable, RouteRow, ServiceRow } from './config.js';
import { list } from './config.js';
import { assertHosts, serviceTarget, servedRoute, type CompiledConfig } from './compile.js';
import { buildPlan, withRoutes } from '../plugins/runtime/plan.js';
import type { PluginModule } from '../plugins/types.js';
import { tlsMaterial, upstreamTls } from './upstream/tls.js';

/** What the plugin plan is built from besides routes: a change to any of these rebuilds the plan. */
const PLAN_FAMILIES = new Set(['plugins', 'consumers', 'keyauth_credentials', 'basicauth_credentials', 'hmacauth_credentials', 'jwt_secrets', 'acls']);

const idOf = (c: TableChange): string => String(c.row?.id ?? c.pk.id);

export interface ChangedConfig {
  compiled: CompiledConfig;
  /** Added routes the router could not compile, for the log. */
  skipped: { id: string; error: string }[];
  /** Did any service change (pools for targets no service names any more can close)? */
  servicesChanged: boolean;
  pluginsChanged: boolean;
}

/**
 * The compiled config after `changes`, `table` being the config_table with them applied; null when
 * only a whole compile can apply them. Throws (nothing touched) for what a compile would refuse.
 * `prev` must not serve any more afterwards: its router is the one updated.
 */
export function compileChanges(prev: CompiledConfig, table: ConfigTable, changes: readonly TableChange[], plugins: ReadonlyMap<string, PluginModule>): ChangedConfig | null {
  const services = new Map<string, ServiceRow | null>();
  const routes = new Map<string, RouteRow | null>();
  let pluginsChanged = false;
  for (const c of changes) {
    if (c.type === 'services') services.set(idOf(c), c.row as ServiceRow | null);
    else if (c.type === 'routes') routes.set(idOf(c), c.row as RouteRow | null);
    else if (PLAN_FAMILIES.has(c.type)) pluginsChanged = true;
    else return null;
  }
  for (const [id, row] of services) {
    // Switching a service on or off adds or drops all of its routes.
    if (prev.disabled.has(id) || row?.enabled === false) return null;
  }
  const upserted = [...services.values()].filter((s): s is ServiceRow => s !== null);
  assertHosts({ services: upserted });

  let serviceTargets = prev.services;
  let serviceRows = prev.serviceRows;
  if (services.size > 0) {
    serviceTargets = new Map(prev.services);
    serviceRows = new Map(prev.serviceRows);
    const material = tlsMaterial(table);
    const upstreamCerts = new Map(list(table.upstreams).map((u) => [u.name, u.client_certificate]));
    for (const [id, row] of services) {
      if (!row) {
        serviceTargets.delete(id);
        serviceRows.delete(id);
        continue;
      }
      serviceTargets.set(id, serviceTarget(row, upstreamTls(row, upstreamCerts.get(row.host ?? ''), material)));
      serviceRows.set(id, row);
    }
  }
  const added = [...routes.values()].filter((r): r is RouteRow => r !== null);
  const plan = pluginsChanged ? buildPlan(table, plugins) : routes.size > 0 ? withRoutes(prev.plan, routes.keys(), added) : prev.plan;
  // Last, once nothing can throw any more: the router changes in place.
  const skipped = routes.size > 0 ? prev.router.update(routes.keys(), added.filter((r) => servedRoute(r, prev.disabled))) : [];
  return {
    compiled: { router: prev.router, services: serviceTargets, balancers: prev.balancers, plan, serviceRows, disabled: prev.disabled },
    skipped,
    servicesChanged: services.size > 0,
    pluginsChanged,
  };
}
