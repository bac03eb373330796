// A balancer's state (round-robin position, a peer marked down) is what keeps traffic off a dead
// target and spreads the rest: a sync that changes another upstream, or a route, must not reset it.
import { describe, expect, it } from 'vitest';
import type { ConfigTable } from '../../../src/proxy/config.js';
import { compileConfig } from '../../../src/proxy/compile.js';
import { compileChanges } from '../../../src/proxy/compile-changes.js';
import { DeltaTable } from '../../../src/entities/delta-table.js';
import type { TableChange } from '../../../src/entities/table-change.js';
import { FAILURES_TO_DOWN } from '../../../src/proxy/upstream/balancer.js';
import { liveKeys } from '../../../src/proxy/upstream/pools.js';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const target = (n: number, upstream: string, t: string, weight = 100) => ({ id: `00000000-0000-4000-8000-1000000000${String(n).padStart(2, '0')}`, upstream: { id: upstream }, target: t, weight });
const T = [target(1, A, '10.0.0.1:80'), target(2, A, '10.0.0.2:80'), target(3, A, '10.0.0.3:80'), target(4, B, '10.0.1.1:80')];
const table: ConfigTable = {
  services: [{ id: '00000000-0000-4000-8000-200000000001', host: 'a.internal', port: 80, protocol: 'http' }, { id: '00000000-0000-4000-8000-200000000002', host: 'b.internal', port: 80, protocol: 'http' }],
  routes: [{ id: '00000000-0000-4000-8000-300000000001', paths: ['/a'], service: '00000000-0000-4000-8000-200000000001' }],
  upstreams: [{ id: A, name: 'a.internal' }, { id: B, name: 'b.internal' }],
  targets: T,
};

function setUp() {
  const index = new DeltaTable(table);
  const compiled = compileConfig(index.current as ConfigTable);
  const a = compiled.balancers.get('a.internal')!;
  const first = a.pick()!;
  const down = a.peers[2]!;
  for (let i = 0; i < FAILURES_TO_DOWN; i++) a.reportFailure(down);
  return { index, compiled, a, first, down };
}
const apply = (s: ReturnType<typeof setUp>, changes: TableChange[]) => compileChanges(s.compiled, s.index.patch(changes) as ConfigTable, changes, new Map())!;

describe('balancer state across incremental syncs', () => {
  it('survives a change to another upstream\'s target', () => {
    const s = setUp();
    const changed = { ...T[3]!, weight: 50 };
    const next = apply(s, [{ type: 'targets', row: changed, pk: { id: changed.id } }]);
    // Nothing to close: the same peers are served.
    expect(next.peersGone).toBe(false);
    const a = next.compiled.balancers.get('a.internal')!;
    expect(a).toBe(s.a);
    // Smooth round-robin went to peer 1 first, so peer 2 is owed two turns while peer 3 is down;
    // a fresh balancer would start with peer 1.
    expect(s.first.host).toBe('10.0.0.1');
    expect([a.pick()!.host, a.pick()!.host, a.pick()!.host]).toEqual(['10.0.0.2', '10.0.0.2', '10.0.0.1']);
    expect(a.peers[2]!.downUntil).toBe(s.down.downUntil);
    expect(next.compiled.balancers.get('b.internal')!.peers[0]!.weight).toBe(50);
  });

  it('survives a route change, and resets when its own targets change (as a whole compile does)', () => {
    const s = setUp();
    const route = { ...table.routes![0]!, paths: ['/b'] };
    const afterRoute = apply(s, [{ type: 'routes', row: route, pk: { id: route.id } }]);
    expect(afterRoute.compiled.balancers).toBe(s.compiled.balancers);
    expect(afterRoute.compiled.balancers.get('a.internal')!.peers[2]!.downUntil).toBeGreaterThan(0);
    const next = apply({ ...s, compiled: afterRoute.compiled }, [{ type: 'targets', row: null, pk: { id: T[0]!.id } }]);
    const a = next.compiled.balancers.get('a.internal')!;
    expect(a).not.toBe(s.a);
    expect(a.peers.map((p) => [p.host, p.downUntil])).toEqual([['10.0.0.2', 0], ['10.0.0.3', 0]]);
  });

  it('lets the pools of a removed target close', () => {
    const s = setUp();
    expect(liveKeys(s.compiled)).toContain('http://10.0.1.1:80#60000');
    const next = apply(s, [{ type: 'targets', row: null, pk: { id: T[3]!.id } }]);
    expect(liveKeys(next.compiled)).not.toContain('http://10.0.1.1:80#60000');
    expect(next.peersGone).toBe(true);
  });
});
