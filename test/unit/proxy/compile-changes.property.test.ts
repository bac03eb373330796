// An incremental sync's changes applied to the compiled config must serve exactly what compiling
// the resulting table from scratch serves: same route for every request, same service targets,
// same plugin chain per route, same balancers (peers in round-robin order, state kept or not).
// Random tables of services, routes, plugins, upstreams and targets, random changes.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ConfigTable } from '../../../src/proxy/config.js';
import { ALL_BUNDLED, compileConfig, type CompiledConfig } from '../../../src/proxy/compile.js';
import { compileChanges } from '../../../src/proxy/compile-changes.js';
import { DeltaTable } from '../../../src/entities/delta-table.js';
import type { TableChange } from '../../../src/entities/table-change.js';
import { InvalidConfigTableError } from '../../../src/proxy/validate-table.js';
import { request } from './router/helpers.js';
import { liveKeys } from '../../../src/proxy/upstream/pools.js';

const uuid = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(7, '0')}-0000-4000-8000-000000000000`;
const SERVICES = [0, 1, 2, 3].map((n) => uuid('5', n));
const ROUTES = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => uuid('a', n));
const PLUGINS = [0, 1, 2].map((n) => uuid('b', n));
const UPSTREAMS = [0, 1, 2].map((n) => uuid('c', n));
const TARGETS = [0, 1, 2, 3, 4, 5].map((n) => uuid('d', n));
/** Upstream names; services' hosts name the first two. */
const NAMES = ['up.internal', 'other.internal', 'third.internal'];
const CERT = uuid('e', 0);
const CERTS = [CERT, uuid('e', 1)];
const CAS = [uuid('f', 0), uuid('f', 1)];

const serviceArb = (id: string) => fc.record({
  host: fc.constantFrom('127.0.0.1', 'up.internal', 'other.internal'),
  protocol: fc.constantFrom('http', 'http', 'https'),
  port: fc.constantFrom(80, 8080),
  path: fc.constantFrom('/', '/base'),
  enabled: fc.constantFrom(true, true, true, false),
  client_certificate: fc.constantFrom(null, null, { id: CERT }, { id: CERTS[1]! }),
  ca_certificates: fc.constantFrom(null, null, [CAS[0]!], [...CAS]),
  tls_verify: fc.constantFrom(null, true),
}).map((f) => ({ id, name: `s-${id.slice(0, 8)}`, retries: 5, connect_timeout: 1000, read_timeout: 1000, write_timeout: 1000, ...f }));

// PEM text is only carried to the pools here, never parsed: any string stands for one.
const certArb = (id: string) => fc.constantFrom('A', 'B', 'C').map((v) => ({ id, cert: `CERT ${v}`, key: `KEY ${v}` }));
const caArb = (id: string) => fc.constantFrom('A', 'B').map((v) => ({ id, cert: `CA ${v}` }));

const routeArb = (id: string) => fc.record({
  paths: fc.option(fc.array(fc.constantFrom('/a', '/a/b', '/b', '~/c/\\d+', '/'), { minLength: 1, maxLength: 2 }), { nil: null }),
  hosts: fc.option(fc.array(fc.constantFrom('x.test', 'y.test', '*.test'), { minLength: 1, maxLength: 2 }), { nil: null }),
  methods: fc.option(fc.constant(['GET']), { nil: null }),
  service: fc.option(fc.constantFrom(...SERVICES), { nil: null }),
  protocols: fc.constantFrom(['http', 'https'], ['grpc']),
}).filter((r) => Boolean(r.paths || r.hosts || r.methods)).map((f) => ({ id, name: `r-${id.slice(0, 8)}`, strip_path: true, preserve_host: false, regex_priority: 0, ...f }));

const pluginArb = (id: string) => fc.record({
  route: fc.option(fc.constantFrom(...ROUTES), { nil: null }),
  service: fc.option(fc.constantFrom(...SERVICES), { nil: null }),
  status: fc.constantFrom(403, 418),
}).map(({ status, ...scope }) => ({ id, name: 'request-termination', enabled: true, protocols: ['http', 'https'], config: { status_code: status }, consumer: null, ...scope }));

const upstreamArb = (id: string, name: fc.Arbitrary<string>) => fc.record({
  name,
  host_header: fc.constantFrom(null, 'h.test'),
  client_certificate: fc.constantFrom(null, { id: CERT }, { id: uuid('e', 1) }),
}).map((f) => ({ id, ...f }));

const targetArb = (id: string) => fc.record({
  upstream: fc.constantFrom(...UPSTREAMS).chain((u) => fc.constantFrom(u, { id: u })),
  target: fc.constantFrom('10.0.0.1:80', '10.0.0.2:8080', 'b.internal', '[::1]:81', '010.0.0.3'),
  weight: fc.constantFrom(100, 10, 0, null),
}).map((f) => ({ id, ...f }));

const upsertArb = fc.oneof(
  fc.constantFrom(...SERVICES).chain((id) => serviceArb(id).map((row) => ({ type: 'services', row }))),
  fc.constantFrom(...ROUTES).chain((id) => routeArb(id).map((row) => ({ type: 'routes', row }))),
  fc.constantFrom(...PLUGINS).chain((id) => pluginArb(id).map((row) => ({ type: 'plugins', row }))),
  fc.constantFrom(...UPSTREAMS).chain((id) => upstreamArb(id, fc.constantFrom(...NAMES)).map((row) => ({ type: 'upstreams', row }))),
  fc.constantFrom(...TARGETS).chain((id) => targetArb(id).map((row) => ({ type: 'targets', row }))),
  fc.constantFrom(...TARGETS).chain((id) => targetArb(id).map((row) => ({ type: 'targets', row }))),
  fc.constantFrom(...CERTS).chain((id) => certArb(id).map((row) => ({ type: 'certificates', row }))),
  fc.constantFrom(...CAS).chain((id) => caArb(id).map((row) => ({ type: 'ca_certificates', row }))),
);
const deleteArb = fc.oneof(
  fc.constantFrom(...ROUTES).map((id) => ({ type: 'routes', id })),
  fc.constantFrom(...PLUGINS).map((id) => ({ type: 'plugins', id })),
  fc.constantFrom(...SERVICES).map((id) => ({ type: 'services', id })),
  fc.constantFrom(...UPSTREAMS).map((id) => ({ type: 'upstreams', id })),
  fc.constantFrom(...TARGETS).map((id) => ({ type: 'targets', id })),
  fc.constantFrom(...CERTS).map((id) => ({ type: 'certificates', id })),
  fc.constantFrom(...CAS).map((id) => ({ type: 'ca_certificates', id })),
);
const changeArb = fc.oneof(upsertArb, upsertArb, deleteArb).map((c): TableChange => ('row' in c ? { type: c.type, row: c.row, pk: { id: c.row.id } } : { type: c.type, row: null, pk: { id: c.id } }));

const reqs = ['/a', '/a/b/c', '/b', '/c/12', '/', '/zzz'].flatMap((path) => ['x.test', 'y.test', 'z.test'].map((host) => request({ host, path, method: 'GET' })));

const byKey = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));

/** What a request sees of a compiled config. */
function served(c: CompiledConfig) {
  return {
    matches: reqs.map((r) => c.router.match(r)?.matchId ?? null),
    services: byKey(c.services).map(([id, t]) => [id, t.host, t.port, t.path, t.tls && [t.tls.id, t.tls.cert ?? null, t.tls.ca ?? null, t.tls.broken ?? null]]),
    rows: byKey(c.serviceRows).map(([id, r]) => [id, r.host]),
    disabled: [...c.disabled].sort(),
    // Peers in order: the order is the round-robin sequence.
    balancers: byKey(c.balancers).map(([name, b]) => [name, b.name, b.hostHeader, b.peers.map((p) => [p.host, p.port, p.weight])]),
    chains: [...c.plan.chains.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, ch]) => [id, ch.entries.map((e) => [e.module.name, e.rest?.id ?? null, e.rs?.id ?? null])]),
    globals: c.plan.globals.map((g) => g.id),
    size: c.router.size,
  };
}

const sharedName = (t: ConfigTable) => {
  const names = (t.upstreams ?? []).map((u) => u.name);
  return new Set(names).size < names.length;
};

describe('compiled config updated by row changes', () => {
  it('serves what a whole compile of the resulting table serves, batch after batch', () => {
    const start = fc.record({
      services: fc.tuple(...SERVICES.map(serviceArb)),
      routes: fc.subarray(ROUTES).chain((ids) => fc.tuple(...ids.map(routeArb))),
      plugins: fc.subarray(PLUGINS).chain((ids) => fc.tuple(...ids.map(pluginArb))),
      upstreams: fc.subarray(UPSTREAMS).chain((ids) => fc.tuple(...ids.map((id) => upstreamArb(id, fc.constant(NAMES[UPSTREAMS.indexOf(id)]!))))),
      targets: fc.subarray(TARGETS).chain((ids) => fc.tuple(...ids.map(targetArb))),
    });
    let patched = 0;
    let whole = 0;
    let certPatched = 0;
    fc.assert(fc.property(start, fc.array(fc.array(changeArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }), (t, batches) => {
      const index = new DeltaTable({ _format_version: '3.0', certificates: [{ id: CERT, cert: 'CERT PEM', key: 'KEY PEM' }], ca_certificates: [{ id: CAS[0], cert: 'CA PEM' }], ...t });
      let table = index.current as ConfigTable;
      let compiled = compileConfig(table);
      for (const changes of batches) {
        const before = table;
        table = index.patch(changes) as ConfigTable;
        // compileChanges updates the balancers of `prev` in place: what it had is kept aside.
        const prev = { ...compiled, balancers: new Map(compiled.balancers) };
        const live = liveKeys(compiled);
        const next = compileChanges(compiled, table, changes, ALL_BUNDLED);
        if (next) patched++;
        else {
          whole++;
          // Every family generated here is patched; only two upstreams sharing a name are not.
          expect(sharedName(before) || sharedName(table)).toBe(true);
        }
        compiled = next?.compiled ?? compileConfig(table, compiled);
        const oracle = compileConfig(table, prev);
        expect(served(compiled)).toEqual(served(oracle));
        // A balancer keeps its state (round-robin position, health) exactly when a whole compile would.
        const kept = (c: CompiledConfig) => byKey(c.balancers).map(([name, b]) => [name, b === prev.balancers.get(name)]);
        expect(kept(compiled)).toEqual(kept(oracle));
        if (next && changes.some((c) => c.type === 'certificates' || c.type === 'ca_certificates')) certPatched++;
        // Pools are closed after a patch only when told: whenever a pool key went away, they are.
        const left = liveKeys(compiled);
        if (next && [...live].some((k) => !left.has(k))) expect(next.servicesChanged || next.peersGone).toBe(true);
      }
    }), { numRuns: 500 });
    // Most batches take the incremental path; the property is about that path, not the fallback.
    expect(patched).toBeGreaterThan(whole * 3);
    expect(certPatched).toBeGreaterThan(50);
  });

  it('switches a service off and on by its routes alone', () => {
    const s = { id: SERVICES[0]!, host: 'a.test', port: 80, protocol: 'http', enabled: true };
    const table: ConfigTable = { services: [s], routes: [{ id: ROUTES[0]!, paths: ['/'], service: s.id }] };
    const compiled = compileConfig(table);
    const off = compileChanges(compiled, { ...table, services: [{ ...s, enabled: false }] }, [{ type: 'services', row: { ...s, enabled: false }, pk: { id: s.id } }], new Map());
    expect(off?.compiled.router.match(request({ path: '/' }))).toBeNull();
    expect([...off!.compiled.disabled]).toEqual([s.id]);
    expect(off!.compiled.services.size).toBe(0);
    const on = compileChanges(off!.compiled, table, [{ type: 'services', row: s, pk: { id: s.id } }], new Map());
    expect(on?.compiled.router.match(request({ path: '/' }))?.matchId).toBe(ROUTES[0]);
    expect(on!.compiled.disabled.size).toBe(0);
  });

  it('takes a certificate rotated in place into the TLS services, and says the listeners\' certificates changed', () => {
    const s = { id: SERVICES[0]!, host: 'a.test', port: 443, protocol: 'https', client_certificate: { id: CERT } };
    const plain = { id: SERVICES[1]!, host: 'b.test', port: 80, protocol: 'http' };
    const index = new DeltaTable({ certificates: [{ id: CERT, cert: 'OLD', key: 'OLD KEY' }], services: [s, plain] });
    const compiled = compileConfig(index.current as ConfigTable);
    const before = compiled.services.get(s.id)!.tls!.id;
    const changes: TableChange[] = [{ type: 'certificates', row: { id: CERT, cert: 'NEW', key: 'NEW KEY' }, pk: { id: CERT } }];
    const table = index.patch(changes) as ConfigTable;
    const patched = compileChanges(compiled, table, changes, new Map())!;
    expect(patched.certsChanged).toBe(true);
    expect(patched.compiled.services.get(s.id)!.tls!.cert).toBe('NEW');
    // Another pool: connections made with the old certificate are not reused.
    expect(patched.compiled.services.get(s.id)!.tls!.id).not.toBe(before);
    expect(patched.compiled.services.get(plain.id)).toBe(compiled.services.get(plain.id));
    const sni: TableChange[] = [{ type: 'snis', row: { id: uuid('9', 0), name: 'a.test', certificate: { id: CERT } }, pk: { id: uuid('9', 0) } }];
    const afterSni = compileChanges(patched.compiled, index.patch(sni) as ConfigTable, sni, new Map())!;
    expect([afterSni.certsChanged, afterSni.servicesChanged]).toEqual([true, false]);
  });

  it('keeps an upstream\'s name when another took it for a moment in the same batch', () => {
    const kept = { id: UPSTREAMS[0]!, name: 'up.internal', client_certificate: { id: CERT } };
    const passing = { id: UPSTREAMS[1]!, name: 'up.internal', client_certificate: null };
    const s = { id: SERVICES[0]!, host: 'up.internal', port: 443, protocol: 'https' };
    const index = new DeltaTable({ certificates: [{ id: CERT, cert: 'CERT PEM', key: 'KEY PEM' }], services: [s] });
    const compiled = compileConfig(index.current as ConfigTable);
    const changes: TableChange[] = [
      { type: 'upstreams', row: kept, pk: { id: kept.id } },
      { type: 'upstreams', row: passing, pk: { id: passing.id } },
      { type: 'upstreams', row: null, pk: { id: passing.id } },
    ];
    const table = index.patch(changes) as ConfigTable;
    const patched = compileChanges(compiled, table, changes, new Map())!;
    expect(patched.compiled.services.get(s.id)!.tls!.cert).toBe('CERT PEM');
    expect(served(patched.compiled)).toEqual(served(compileConfig(table)));
  });

  it('still knows who holds a name after another upstream held it for a moment', () => {
    const index = new DeltaTable({ upstreams: [{ id: UPSTREAMS[0]!, name: 'up.internal' }] });
    let compiled = compileConfig(index.current as ConfigTable);
    const passing: TableChange[] = [
      { type: 'upstreams', row: { id: UPSTREAMS[1]!, name: 'up.internal' }, pk: { id: UPSTREAMS[1]! } },
      { type: 'upstreams', row: null, pk: { id: UPSTREAMS[1]! } },
    ];
    compiled = compileChanges(compiled, index.patch(passing) as ConfigTable, passing, new Map())!.compiled;
    // A third upstream under the same name: two upstreams share it, which only a whole compile decides.
    const clash: TableChange[] = [{ type: 'upstreams', row: { id: UPSTREAMS[2]!, name: 'up.internal' }, pk: { id: UPSTREAMS[2]! } }];
    expect(compileChanges(compiled, index.patch(clash) as ConfigTable, clash, new Map())).toBeNull();
  });

  it('refuses a target whose host Kong refuses, leaving the balancers and the index untouched', () => {
    const u = { id: UPSTREAMS[0]!, name: 'up.internal' };
    const t = { id: TARGETS[0]!, upstream: { id: u.id }, target: '10.0.0.1:80' };
    const table: ConfigTable = { upstreams: [u], targets: [t] };
    const compiled = compileConfig(table);
    const bad = { ...t, target: '999.1.1.1:80' };
    expect(() => compileChanges(compiled, { ...table, targets: [bad] }, [{ type: 'targets', row: bad, pk: { id: t.id } }], new Map())).toThrow(InvalidConfigTableError);
    expect(compiled.balancers.get('up.internal')!.peers.map((p) => p.host)).toEqual(['10.0.0.1']);
    expect(compiled.index.targets.get(t.id)!.row).toBe(t);
  });

  it('refuses a changed service whose host Kong refuses, leaving the router untouched', () => {
    const s = { id: SERVICES[0]!, host: 'a.test', port: 80, protocol: 'http' };
    const r = { id: ROUTES[0]!, paths: ['/x'], service: s.id };
    const table: ConfigTable = { services: [s], routes: [r] };
    const compiled = compileConfig(table);
    const bad: TableChange[] = [{ type: 'routes', row: null, pk: { id: r.id } }, { type: 'services', row: { ...s, host: '999.1.1.1' }, pk: { id: s.id } }];
    expect(() => compileChanges(compiled, table, bad, new Map())).toThrow(InvalidConfigTableError);
    expect(compiled.router.match(request({ path: '/x' }))?.matchId).toBe(r.id);
  });
});
