// Built once per config swap: for every route, the plugins that may run on it in priority order,
// each with its configs by scope, so a request resolves its config with a few map lookups (Kong's
// plugins_iterator precedence: route+service+consumer, route+consumer, service+consumer,
// route+service, consumer, route, service, global). Routes without plugins get no chain at all.
import type { ConfigTable, PluginRow, RouteRow } from '../../proxy/config.js';
import { list, refId } from '../../proxy/config.js';
import type { PluginModule } from '../types.js';
import { validateConfig, flattenErrors } from '../schema/validate.js';

export interface Instance {
  id: string;
  module: PluginModule;
  /** compile()d config. */
  conf: unknown;
  row: PluginRow;
  http: boolean;
  https: boolean;
}

/** One plugin on one route: its configs by scope. */
export interface ChainEntry {
  module: PluginModule;
  /** route+service+consumer, route+consumer, service+consumer: by consumer id. */
  hi: Map<string, Instance> | null;
  /** route+service. */
  rs: Instance | null;
  /** consumer only. */
  lo: Map<string, Instance> | null;
  /** route, else service, else global. */
  rest: Instance | null;
}

export interface Chain {
  entries: ChainEntry[];
  /** Does any entry have consumer-scoped configs? */
  byConsumer: boolean;
}

export interface PluginPlan {
  /** Global plugin instances in priority order: rewrite, and requests no route matched. */
  globals: Instance[];
  /** Routes with at least one plugin that may apply. */
  chains: Map<string, Chain>;
  /** prepare() results by plugin name. */
  data: Map<string, unknown>;
  /** Consumers by id, for kong.client.loadConsumer. */
  consumers: Map<string, Record<string, unknown>>;
  count: number;
  /** The enabled instances by plugin, in priority order: what a route's chain is resolved from. */
  byModule: Map<PluginModule, Instance[]>;
}

export class PluginConfigError extends Error {}

export function resolveEntry(e: ChainEntry, consumerId: string | null): Instance | null {
  if (consumerId !== null) {
    const hi = e.hi?.get(consumerId);
    if (hi) return hi;
    if (e.rs) return e.rs;
    const lo = e.lo?.get(consumerId);
    if (lo) return lo;
    return e.rest;
  }
  return e.rs ?? e.rest;
}

// Kong: PRIORITY descending, equal priorities by name descending.
const byPriority = (a: PluginModule, b: PluginModule) => b.priority - a.priority || (a.name > b.name ? -1 : a.name < b.name ? 1 : 0);

/**
 * The plan for a config, or a PluginConfigError naming the first plugin this node cannot run
 * as configured: a config is served whole or not at all.
 */
export function buildPlan(table: ConfigTable, enabled: ReadonlyMap<string, PluginModule>): PluginPlan {
  const instances: Instance[] = [];
  for (const row of list(table.plugins)) {
    if (row.enabled === false) continue;
    const module = enabled.get(row.name);
    // Kong's plugins iterator: `<name> plugin is in use but not enabled`.
    if (!module) throw new PluginConfigError(`${row.name} plugin is in use but not enabled (plugin ${row.id ?? row.name}; enable it in kong.conf plugins, or this data plane cannot enforce it)`);
    const checked = validateConfig(module.schema, row.config);
    if (checked.errors) {
      const all = [...(checked.entityErrors ?? []), ...flattenErrors(checked.errors, 'config')];
      throw new PluginConfigError(`plugin ${row.name} (${row.id ?? 'no id'}): ${all.join('; ')}`);
    }
    if (refId(row.consumer) && module.schema.noConsumer) throw new PluginConfigError(`plugin ${row.name} (${row.id ?? 'no id'}) cannot be scoped to a consumer`);
    let conf: unknown;
    try {
      conf = module.compile ? module.compile(checked.config, { id: row.id ?? '', route: refId(row.route), service: refId(row.service), consumer: refId(row.consumer) }) : checked.config;
    } catch (err) {
      throw new PluginConfigError(`plugin ${row.name} (${row.id ?? 'no id'}): ${(err as Error).message}`);
    }
    const protocols = Array.isArray(row.protocols) ? row.protocols : ['http', 'https'];
    instances.push({ id: row.id ?? '', module, conf, row, http: protocols.includes('http'), https: protocols.includes('https') });
  }
  const data = new Map<string, unknown>();
  for (const m of new Set(instances.map((i) => i.module))) if (m.prepare) data.set(m.name, m.prepare(table));
  const consumers = new Map<string, Record<string, unknown>>();
  for (const c of list(table.consumers as Record<string, unknown>[] | null)) if (typeof c.id === 'string') consumers.set(c.id, c);

  const globals = instances.filter((i) => !refId(i.row.route) && !refId(i.row.service) && !refId(i.row.consumer)).sort((a, b) => byPriority(a.module, b.module));
  const chains = new Map<string, Chain>();
  const modules = [...new Set(instances.map((i) => i.module))].sort(byPriority);
  const byModule = new Map(modules.map((m) => [m, instances.filter((i) => i.module === m)]));
  if (instances.length > 0) {
    for (const route of list(table.routes) as RouteRow[]) {
      const chain = chainFor(route, byModule);
      if (chain) chains.set(route.id, chain);
    }
  }
  return { globals, chains, data, consumers, count: instances.length, byModule };
}

/**
 * The plan with the chains of these routes resolved again (`removed`: ids gone or replaced), for
 * a change that touched routes but no plugin, consumer or credential: the rest is reused as is.
 */
export function withRoutes(plan: PluginPlan, removed: Iterable<string>, added: readonly RouteRow[]): PluginPlan {
  if (plan.count === 0) return plan;
  const chains = new Map(plan.chains);
  for (const id of removed) chains.delete(id);
  for (const route of added) {
    const chain = chainFor(route, plan.byModule);
    if (chain) chains.set(route.id, chain);
  }
  return { ...plan, chains };
}

function chainFor(route: RouteRow, byModule: Map<PluginModule, Instance[]>): Chain | null {
  const rid = route.id;
  const sid = refId(route.service);
  const entries: ChainEntry[] = [];
  let byConsumer = false;
  for (const [m, instances] of byModule) {
    let hi: Map<string, Instance> | null = null;
    let lo: Map<string, Instance> | null = null;
    let rs: Instance | null = null, r: Instance | null = null, s: Instance | null = null, g: Instance | null = null;
    const hiRank = new Map<string, number>();
    for (const i of instances) {
      const ir = refId(i.row.route), is = refId(i.row.service), ic = refId(i.row.consumer);
      if (ir && ir !== rid) continue;
      if (is && is !== sid) continue;
      if (ic) {
        // Lower rank wins: rsc 0, rc 1, sc 2; consumer-only goes to `lo`.
        const rank = ir && is ? 0 : ir ? 1 : is ? 2 : 3;
        if (rank === 3) (lo ??= new Map()).set(ic, i);
        else if ((hiRank.get(ic) ?? 9) > rank) {
          (hi ??= new Map()).set(ic, i);
          hiRank.set(ic, rank);
        }
      } else if (ir && is) rs = i;
      else if (ir) r = i;
      else if (is) s = i;
      else g = i;
    }
    const rest = r ?? s ?? g;
    if (!hi && !lo && !rs && !rest) continue;
    if (hi || lo) byConsumer = true;
    entries.push({ module: m, hi, rs, lo, rest });
  }
  return entries.length ? { entries, byConsumer } : null;
}
