// The data plane's one structural check of a config_table: what a hostile or broken control plane
// can send is named and refused, what a real one sends passes, and nothing passes that then fails
// to compile.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertValidConfigTable, configTableProblems, InvalidConfigTableError, MAX_DEPTH } from '../../../src/proxy/validate-table.js';
import { compileConfig } from '../../../src/proxy/compile.js';
import { toConfigTable } from '../../../src/entities/config-table.js';
import { declarativeToRows } from '../../../src/entities/declarative.js';

const S = '0855b320-0dd2-547d-891d-601e9b38647f';
const R = '1b8a1a52-54f2-4bb2-9b42-5a1c0c6a2f10';
const good = () => toConfigTable(declarativeToRows({
  _format_version: '3.0',
  services: [{ id: S, name: 'billing', url: 'http://billing.internal:8080/v1', routes: [{ id: R, paths: ['/billing'], headers: { 'x-a': ['1'] } }] }],
  upstreams: [{ name: 'pool', targets: [{ target: '10.0.0.1:80' }] }],
  consumers: [{ username: 'alice', keyauth_credentials: [{ key: 'k1' }] }],
}));

const problems = (mutate: (t: Record<string, any>) => void): string[] => {
  const t = good() as Record<string, any>;
  mutate(t);
  return configTableProblems(t);
};

describe('config_table structure', () => {
  it("passes what this project's control plane exports", () => {
    expect(configTableProblems(good())).toEqual([]);
    expect(() => compileConfig(good() as never)).not.toThrow();
  });

  it('accepts the empty lists a Kong CP encodes as {} and unknown fields of a newer CP', () => {
    expect(problems((t) => {
      t.plugins = {};
      t.routes[0].methods = {};
      t.services[0].tls_sans = { dnsnames: ['x'] };
      t.vaults = [];
    })).toEqual([]);
  });

  it('refuses a config_table that is not a record', () => {
    for (const v of [[], 'x', 7, null, true]) expect(configTableProblems(v)).toEqual([expect.stringMatching(/^config_table: expected a record, got /)]);
  });

  it('names each problem with its path', () => {
    expect(problems((t) => (t.routes = 'nope'))).toEqual(['routes: expected an array, got a string']);
    expect(problems((t) => (t.services[0].port = 'eighty'))).toEqual(['services.1.port: expected an integer, got a string']);
    expect(problems((t) => (t.services[0].port = 70000))).toEqual(['services.1.port: value should be between 0 and 65535']);
    expect(problems((t) => (t.services[0].port = 1.5))).toEqual(['services.1.port: expected an integer, got 1.5']);
    expect(problems((t) => (t.services[0] = 'a service'))).toEqual(['services.1: expected a record, got a string']);
    expect(problems((t) => delete t.services[0].id)).toEqual(['services.1.id: required field missing']);
    expect(problems((t) => (t.services[0].id = 's'))).toEqual(['services.1.id: expected a valid UUID']);
    expect(problems((t) => t.services.push({ ...t.services[0] }))).toEqual([`services.2.id: uniqueness violation: 'services' entity with primary key set to '${S}' already declared`]);
    expect(problems((t) => (t.routes[0].service = { name: 'billing' }))).toEqual(['routes.1.service: expected an id (a string), got a record']);
    expect(problems((t) => (t.routes[0].service = 42))).toEqual(['routes.1.service: expected an id (a string), got a number']);
    expect(problems((t) => (t.routes[0].paths = ['/ok', 7]))).toEqual(['routes.1.paths: 2: expected a string, got a number']);
    expect(problems((t) => (t.routes[0].paths = ['nope']))).toEqual(['routes.1.paths: 1: should start with: / (fixed path) or ~/ (regex path)']);
    expect(problems((t) => (t.routes[0].headers = { 'x-a': 'one' }))).toEqual(['routes.1.headers: x-a: expected an array of strings']);
    expect(problems((t) => (t.routes[0].https_redirect_status_code = 999))).toEqual(['routes.1.https_redirect_status_code: expected one of: 426, 301, 302, 307, 308']);
    expect(problems((t) => (t.routes[0].strip_path = 'yes'))).toEqual(['routes.1.strip_path: expected a boolean, got a string']);
    expect(problems((t) => (t.services[0].host = null))).toEqual(['services.1.host: required field missing']);
    expect(problems((t) => (t.services[0].host = '999.1.1.1'))).toEqual(['services.1.host: invalid value: 999.1.1.1']);
    expect(problems((t) => (t.targets[0].target = '[1::1::1]:80'))).toEqual(["targets.1.target: Invalid target ('[1::1::1]:80'); not a valid hostname or ip address"]);
    // The Admin API's rules, stricter than Kong's on a name that URL parsers read as an address.
    expect(problems((t) => (t.services[0].host = '1a.2'))).toEqual(['services.1.host: invalid value: 1a.2']);
    expect(problems((t) => (t.keyauth_credentials[0].consumer = null))).toEqual(['keyauth_credentials.1.consumer: required field missing']);
    expect(problems((t) => (t._format_version = 3))).toEqual(['_format_version: expected a string, got a number']);
  });

  it('refuses a table nested beyond the limit without overflowing the stack', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(problems((t) => (t.services[0].tags = deep))).toEqual([`config_table: nested more than ${MAX_DEPTH} levels deep`]);
  });

  it('says a bounded message however much is wrong, with peer text escaped', () => {
    const t = good() as Record<string, any>;
    t.routes = Array.from({ length: 50_000 }, () => 'x');
    t[`evil\n${'k'.repeat(10_000)}`] = 'x';
    let err: unknown;
    try {
      assertValidConfigTable(t);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidConfigTableError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^config_table is invalid: routes\.1: expected a record, got a string; .* \(and \d+\+? more\)$/);
    expect(msg.length).toBeLessThan(2000);
    expect(msg).not.toMatch(/\n/);
    const long = problems((tt) => (tt.services[0].host = `${'a'.repeat(1_000_000)} \u001b[31m`));
    expect(long[0]!.length).toBeLessThan(400);
    expect(long[0]).not.toMatch(/\u001b/);
  });

  it('fuzz: any JSON is answered with problems (never a throw), and whatever passes compiles', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        const p = configTableProblems(v);
        expect(Array.isArray(p)).toBe(true);
        if (p.length === 0) expect(() => compileConfig(v as never)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });

  it('fuzz: a good table with any field of any entity replaced by any JSON value either passes and compiles, or is refused', () => {
    const base = good() as Record<string, Record<string, unknown>[]>;
    const slots = Object.entries(base).flatMap(([e, rows]) => (Array.isArray(rows) ? rows.flatMap((r, i) => Object.keys(r).map((k) => [e, i, k] as const)) : []));
    fc.assert(
      fc.property(fc.constantFrom(...slots), fc.jsonValue({ maxDepth: 3 }), ([e, i, k], v) => {
        const t = structuredClone(base);
        t[e]![i]![k] = v;
        if (configTableProblems(t).length === 0) expect(() => compileConfig(t as never)).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });
});

describe('upstream TLS settings', () => {
  it('are accepted with their types checked: the data plane applies them (see upstream-tls.test.ts)', () => {
    const t = good() as Record<string, Record<string, unknown>[]>;
    t.services![0]!.client_certificate = { id: '3f1b1c8e-0000-4000-8000-000000000001' };
    t.services![0]!.tls_verify_depth = 2;
    expect(configTableProblems(t)).toEqual([]);
    t.services![0]!.tls_verify_depth = 'deep';
    t.services![0]!.ca_certificates = ['not-a-uuid'];
    expect(configTableProblems(t)).toEqual(['services.1.tls_verify_depth: expected an integer, got a string', 'services.1.ca_certificates: 1: expected a valid UUID']);
  });
});
