// Upstream and target changes applied to a compiled config's balancers: only the upstreams a
// change touches get their peers again (in the table's order, which is their round-robin order),
// and each keeps its state (round-robin position, passive health) when its Host header and peers
// come out the same, as a whole compile keeps it.
import type { TableChange } from '../entities/table-change.js';
import type { TargetRow, UpstreamRow } from './config.js';
import { refId } from './config.js';
import { balancerKey, targetPeer, type CompiledConfig } from './compile.js';
import { fileTarget, fileUpstream, targetsOf, type ConfigIndex } from './compile-index.js';
import { Balancer } from './upstream/balancer.js';

export const BALANCER_FAMILIES = new Set(['upstreams', 'targets']);

/**
 * The targets these changes leave (for the host checks a whole compile makes), or null when only
 * a whole compile can tell what they serve: a row without an id, or two upstreams with one name.
 */
export function changedTargets(index: ConfigIndex, changes: readonly TableChange[]): TargetRow[] | null {
  if (!index.namesUnique) return null;
  const targets = new Map<string, TargetRow | null>();
  const upstreams = new Map<string, UpstreamRow | null>();
  for (const c of changes) {
    const id = c.row?.id ?? c.pk.id;
    if (typeof id !== 'string') return null;
    if (c.type === 'targets') targets.set(id, c.row as TargetRow | null);
    else upstreams.set(id, c.row as UpstreamRow | null);
  }
  const names = new Set<string>();
  for (const [id, u] of upstreams) {
    if (!u) continue;
    if (typeof u.name !== 'string' || names.has(u.name)) return null;
    names.add(u.name);
    // An upstream this batch leaves alone keeps its name, so nobody else may take it.
    const holder = index.upstreamByName.get(u.name);
    if (holder !== undefined && holder !== id && !upstreams.has(holder)) return null;
  }
  return [...targets.values()].filter((t): t is TargetRow => t !== null);
}

export interface ChangedBalancers {
  /** Names whose upstream came, went or changed its client certificate: services with that host compile again. */
  hosts: Set<string>;
  /**
   * Did a balancer lose a peer (its pool can close)? An upstream that comes or goes changes the
   * services naming it instead, which `hosts` compiles again.
   */
  peersGone: boolean;
}

/**
 * Applies the changes `changedTargets` accepted to the index and to `prev.balancers`, in place as
 * the router is: copying the map would cost as much as the config is large. A request of the old
 * config retrying after this picks from its upstream's new balancer, the targets the config
 * now serves.
 */
export function applyBalancerChanges(prev: CompiledConfig, changes: readonly TableChange[]): ChangedBalancers {
  const index = prev.index;
  /** Upstream ids touched, with their row before the batch. */
  const touched = new Map<string, UpstreamRow | undefined>();
  const touch = (uid: string | null | undefined): void => {
    if (uid != null && !touched.has(uid)) touched.set(uid, index.upstreams.get(uid));
  };
  const upstreams = new Map<string, UpstreamRow | null>();
  for (const c of changes) {
    const id = String(c.row?.id ?? c.pk.id);
    if (c.type === 'upstreams') {
      touch(id);
      upstreams.set(id, c.row as UpstreamRow | null);
    } else {
      touch(index.targets.get(id)?.upstream);
      touch(c.row ? refId((c.row as unknown as TargetRow).upstream) : null);
      fileTarget(index, id, c.row as unknown as TargetRow | null);
    }
  }
  // Upstreams are filed as the batch leaves them: on the way, one may have held a name another
  // keeps (created under it, deleted again), and the index of names keeps one holder per name.
  for (const id of upstreams.keys()) fileUpstream(index, id, null);
  for (const [id, row] of upstreams) if (row) fileUpstream(index, id, row);
  const balancers = prev.balancers;
  const before = new Map<string, Balancer>();
  for (const [uid, was] of touched) {
    for (const name of [was?.name, index.upstreams.get(uid)?.name]) {
      const b = name === undefined ? undefined : balancers.get(name);
      if (b) before.set(name!, b);
    }
  }
  const hosts = new Set<string>();
  let peersGone = false;
  // Names go first, then come back: one batch may rename a to b and c to a.
  for (const [uid, was] of touched) {
    const now = index.upstreams.get(uid);
    if (was && (!now || now.name !== was.name)) balancers.delete(was.name);
    if (was?.name === now?.name && refId(was?.client_certificate) === refId(now?.client_certificate)) continue;
    if (was) hosts.add(was.name);
    if (now) hosts.add(now.name);
  }
  for (const uid of touched.keys()) {
    const u = index.upstreams.get(uid);
    if (!u) continue;
    let b = new Balancer(u.name, u.host_header ?? null, targetsOf(index, uid).map(targetPeer));
    const old = before.get(u.name);
    if (old && balancerKey(old) === balancerKey(b)) b = old;
    else if (old) {
      const left = new Set(b.peers.map(address));
      peersGone ||= old.peers.some((p) => !left.has(address(p)));
    }
    balancers.set(u.name, b);
  }
  return { hosts, peersGone };
}

const address = (p: { host: string; port: number }): string => `${p.host}:${p.port}`;
