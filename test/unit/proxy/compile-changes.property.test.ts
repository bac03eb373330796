// An incremental sync's changes applied to the compiled config must serve exactly what compiling
// the resulting table from scratch serves: same route for every request, same service targets,
// same plugin chain per route. Random tables of services, routes and plugins, random changes.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ConfigTable } from '../../../src/proxy/config.js';
import { ALL_BUNDLED, compileConfig, type CompiledConfig } from '../../../src/proxy/compile.js';
import { compileChanges } from '../../../src/proxy/compile-changes.js';
import { DeltaTable } from '../../../src/entities/delta-table.js';
import type { TableChange } from '../../../src/entities/table-change.js';
import { InvalidConfigTableError } from '../../../src/proxy/validate-table.js';
import { request } from './router/helpers.js';

const uuid = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(7, '0')}-0000-4000-8000-000000000000`;
const SERVICES = [0, 1, 2, 3].map((n) => uuid('5', n));
const ROUTES = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => uuid('a', n));
const PLUGINS = [0, 1, 2].map((n) => uuid('b', n));

const serviceArb = (id: string) => fc.record({
  host: fc.constantFrom('127.0.0.1', 'up.internal', 'other.internal'),
  port: fc.constantFrom(80, 8080),
  path: fc.constantFrom('/', '/base'),
  enabled: fc.constantFrom(true, true, true, false),
}).map((f) => ({ id, name: `s-${id.slice(0, 8)}`, protocol: 'http', retries: 5, connect_timeout: 1000, read_timeout: 1000, write_timeout: 1000, ...f }));

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

const upsertArb = fc.oneof(
  fc.constantFrom(...SERVICES).chain((id) => serviceArb(id).map((row) => ({ type: 'services', row }))),
  fc.constantFrom(...ROUTES).chain((id) => routeArb(id).map((row) => ({ type: 'routes', row }))),
  fc.constantFrom(...PLUGINS).chain((id) => pluginArb(id).map((row) => ({ type: 'plugins', row }))),
);
const deleteArb = fc.oneof(
  fc.constantFrom(...ROUTES).map((id) => ({ type: 'routes', id })),
  fc.constantFrom(...PLUGINS).map((id) => ({ type: 'plugins', id })),
);
const changeArb = fc.oneof(upsertArb, upsertArb, deleteArb).map((c): TableChange => ('row' in c ? { type: c.type, row: c.row, pk: { id: c.row.id } } : { type: c.type, row: null, pk: { id: c.id } }));

const reqs = ['/a', '/a/b/c', '/b', '/c/12', '/', '/zzz'].flatMap((path) => ['x.test', 'y.test', 'z.test'].map((host) => request({ host, path, method: 'GET' })));

/** What a request sees of a compiled config. */
function served(c: CompiledConfig) {
  return {
    matches: reqs.map((r) => c.router.match(r)?.matchId ?? null),
    services: [...c.services.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, t]) => [id, t.host, t.port, t.path]),
    chains: [...c.plan.chains.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, ch]) => [id, ch.entries.map((e) => [e.module.name, e.rest?.id ?? null, e.rs?.id ?? null])]),
    globals: c.plan.globals.map((g) => g.id),
    size: c.router.size,
  };
}

describe('compiled config updated by row changes', () => {
  it('serves what a whole compile of the resulting table serves, batch after batch', () => {
    const start = fc.record({
      services: fc.tuple(...SERVICES.map(serviceArb)),
      routes: fc.subarray(ROUTES).chain((ids) => fc.tuple(...ids.map(routeArb))),
      plugins: fc.subarray(PLUGINS).chain((ids) => fc.tuple(...ids.map(pluginArb))),
    });
    let patched = 0;
    let whole = 0;
    fc.assert(fc.property(start, fc.array(fc.array(changeArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }), (t, batches) => {
      const index = new DeltaTable({ _format_version: '3.0', ...t });
      let table = index.current as ConfigTable;
      let compiled = compileConfig(table);
      for (const changes of batches) {
        table = index.patch(changes) as ConfigTable;
        const next = compileChanges(compiled, table, changes, ALL_BUNDLED);
        if (next) patched++;
        else whole++;
        compiled = next?.compiled ?? compileConfig(table, compiled);
        expect(served(compiled)).toEqual(served(compileConfig(table)));
      }
    }), { numRuns: 250 });
    // Most batches take the incremental path; the property is about that path, not the fallback.
    expect(patched).toBeGreaterThan(whole);
  });

  it('falls back to a whole compile when a service is switched off, and for families it does not patch', () => {
    const s = { id: SERVICES[0]!, host: 'a.test', port: 80, protocol: 'http', enabled: true };
    const table: ConfigTable = { services: [s], routes: [{ id: ROUTES[0]!, paths: ['/'], service: s.id }] };
    const compiled = compileConfig(table);
    expect(compileChanges(compiled, table, [{ type: 'services', row: { ...s, enabled: false }, pk: { id: s.id } }], new Map())).toBeNull();
    expect(compileChanges(compiled, table, [{ type: 'targets', row: { id: PLUGINS[0]!, target: 'a:1' }, pk: { id: PLUGINS[0]! } }], new Map())).toBeNull();
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
