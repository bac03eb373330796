// Turns a config_table into the object the proxy serves from. A swap replaces the whole object,
// so a request keeps the one it started with until it ends; an incremental sync
// (compile-changes.ts) updates its router and balancers in place instead.
import type { ConfigTable, RouteRow, ServiceRow, TargetRow } from './config.js';
import { list, refId } from './config.js';
import { Router } from './router/router.js';
import { Balancer, parseTarget } from './upstream/balancer.js';
import { buildPlan, type PluginPlan } from '../plugins/runtime/plan.js';
import type { PluginModule } from '../plugins/types.js';
import { BUNDLED } from '../plugins/registry.js';
import { normalizeIp, validateHost, validateTarget } from '../entities/ip.js';
import { InvalidConfigTableError } from './validate-table.js';
import { tlsMaterial, upstreamTls, type UpstreamTls } from './upstream/tls.js';
import { buildIndex, type ConfigIndex } from './compile-index.js';

export interface ServiceTarget {
  id: string;
  protocol: 'http' | 'https';
  host: string;
  port: number;
  path: string;
  retries: number;
  connectTimeout: number;
  readTimeout: number;
  writeTimeout: number;
  /** TLS to the upstream (https services): client certificate, verification, trust store. */
  tls: UpstreamTls | null;
}

export interface CompiledConfig {
  router: Router;
  services: Map<string, ServiceTarget>;
  /** Upstreams by name: a service whose host names one is balanced over its targets. */
  balancers: Map<string, Balancer>;
  /** Plugin chains per route, global plugins, and what the plugins prepared from the config. */
  plan: PluginPlan;
  /** Service rows by id, as plugins see them (kong.router.getService). */
  serviceRows: Map<string, ServiceRow>;
  /** Ids of disabled services: their routes are not served. */
  disabled: Set<string>;
  /** What an incremental sync finds the rows a change reaches by. */
  index: ConfigIndex;
}

export const ALL_BUNDLED: ReadonlyMap<string, PluginModule> = new Map(BUNDLED.map((m) => [m.name, m]));

const HTTP_PROTOCOLS = new Set(['http', 'https']);

export function serviceTarget(s: ServiceRow, tls: UpstreamTls | null): ServiceTarget {
  const protocol = s.protocol === 'https' || s.protocol === 'wss' || s.protocol === 'grpcs' ? 'https' : 'http';
  return {
    id: s.id,
    protocol,
    host: connectHost(s.host ?? 'localhost'),
    port: s.port ?? (protocol === 'https' ? 443 : 80),
    path: s.path ?? '/',
    retries: s.retries ?? 5,
    connectTimeout: s.connect_timeout ?? 60_000,
    readTimeout: s.read_timeout ?? 60_000,
    writeTimeout: s.write_timeout ?? 60_000,
    tls,
  };
}

/** The address to connect to as Kong reads it: 010.0.0.1 is 10.0.0.1 (not octal), [::1] is ::1. */
export function connectHost(host: string): string {
  const n = normalizeIp(host);
  return 'error' in n || n.ok.type === 'name' ? host : n.ok.host;
}

/**
 * Hosts Kong refuses (999.1.1.1, [1::1::1]) are refused here too, whoever validated the table
 * before: a request to one must never reach a connection attempt that throws.
 */
export function assertHosts(table: Pick<ConfigTable, 'services' | 'targets'>): void {
  const problems: string[] = [];
  list(table.services).forEach((s, i) => {
    const p = typeof s.host === 'string' ? validateHost(s.host) : null;
    if (p) problems.push(`services.${i + 1}.host: ${p}`);
  });
  list(table.targets).forEach((t, i) => {
    const p = typeof t.target === 'string' ? validateTarget(t.target, true) : null;
    if (p) problems.push(`targets.${i + 1}.target: ${p}`);
  });
  if (problems.length > 0) throw new InvalidConfigTableError(problems);
}

/** Routes of disabled services are dropped, as Kong's export leaves them out; so are non-HTTP ones. */
export function servedRoute(r: RouteRow, disabled: ReadonlySet<string>): boolean {
  const sid = refId(r.service);
  if (sid && disabled.has(sid)) return false;
  const protocols = Array.isArray(r.protocols) && r.protocols.length ? r.protocols : ['http', 'https'];
  return protocols.some((p) => HTTP_PROTOCOLS.has(p));
}

/** Keeps the balancer state (round-robin position, health) of upstreams whose targets did not change. */
export function balancerKey(b: Balancer): string {
  return JSON.stringify([b.hostHeader, b.peers.map((p) => [p.host, p.port, p.weight])]);
}

/** A target as its balancer connects to it (weight 0 included: the Balancer leaves it out). */
export function targetPeer(t: TargetRow): { host: string; port: number; weight: number } {
  const target = parseTarget(t.target);
  return { host: connectHost(target.host), port: target.port, weight: t.weight ?? 100 };
}

/**
 * Throws (a PluginConfigError) when the config names a plugin this node does not run or configures
 * one wrongly: a config is served whole, with every plugin it names enforced, or not at all.
 */
export function compileConfig(table: ConfigTable, previous?: CompiledConfig | null, plugins: ReadonlyMap<string, PluginModule> = ALL_BUNDLED): CompiledConfig {
  const plan = buildPlan(table, plugins);
  assertHosts(table);
  const services = new Map<string, ServiceTarget>();
  const serviceRows = new Map<string, ServiceRow>();
  const disabled = new Set<string>();
  const material = tlsMaterial(table);
  const upstreamCerts = new Map(list(table.upstreams).map((u) => [u.name, u.client_certificate]));
  for (const s of list(table.services)) {
    if (s.enabled === false) disabled.add(s.id);
    else {
      services.set(s.id, serviceTarget(s, upstreamTls(s, upstreamCerts.get(s.host ?? ''), material)));
      serviceRows.set(s.id, s);
    }
  }
  const routes: RouteRow[] = list(table.routes).filter((r) => servedRoute(r, disabled));

  const targetsByUpstream = new Map<string, { host: string; port: number; weight: number }[]>();
  for (const t of list(table.targets)) {
    const uid = refId(t.upstream);
    if (!uid) continue;
    const arr = targetsByUpstream.get(uid) ?? [];
    arr.push(targetPeer(t));
    targetsByUpstream.set(uid, arr);
  }
  const balancers = new Map<string, Balancer>();
  for (const u of list(table.upstreams)) {
    let b = new Balancer(u.name, u.host_header ?? null, targetsByUpstream.get(u.id) ?? []);
    const old = previous?.balancers.get(u.name);
    if (old && balancerKey(old) === balancerKey(b)) b = old;
    balancers.set(u.name, b);
  }
  return {
    router: new Router(routes),
    services,
    balancers,
    plan,
    serviceRows,
    disabled,
    index: buildIndex(table, serviceRows),
  };
}
