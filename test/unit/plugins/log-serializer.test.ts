// kong.log.serialize and kong.log.set_serialize_value, ported from Kong's
// spec/01-unit/10-log_serializer_spec.lua and the examples in kong/pdk/log.lua, through a real proxy
// with a plugin that sets values in access and serializes in log.
import { describe, expect, it } from 'vitest';
import type { PluginModule } from '../../../src/plugins/types.js';
import { until } from '../../helpers/cluster.js';
import { useHarness } from './harness.js';

const seen: Record<string, unknown>[] = [];
const errors: string[] = [];

/** Applies the `x-set` header's JSON list of [key, value, mode] in access, serializes in log. */
const probe: PluginModule = {
  name: 'serialize-probe', version: '3.10.0', priority: 1, schema: { fields: [] },
  access(kong) {
    const edits = JSON.parse(kong.request.getHeader('x-set') ?? '[]') as [string, unknown, 'set' | 'add' | 'replace' | undefined][];
    for (const [k, v, mode] of edits) {
      try {
        kong.log.setSerializeValue(k, v === '__undefined__' ? undefined : v, mode);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    try {
      kong.log.serialize();
    } catch (err) {
      errors.push((err as Error).message);
    }
  },
  log(kong) {
    try {
      seen.push({ id: kong.request.getHeader('x-id'), ...kong.log.serialize() });
    } catch (err) {
      errors.push((err as Error).message);
    }
  },
};

describe('kong.log.serialize (spec/01-unit/10-log_serializer_spec.lua)', () => {
  const h = useHarness(() => ({ services: [{ name: 's', routes: [{ name: 'r', paths: ['/'], plugins: [{ name: 'serialize-probe' }] }] }] }), { modules: [probe] });
  const run = async (id: string, set: unknown[] = [], headers: Record<string, string> = {}) => {
    expect((await h().send({ path: '/x?q=1', headers: { 'x-id': id, 'x-set': JSON.stringify(set), ...headers } })).status).toBe(200);
    return until(async () => seen.find((s) => s.id === id), `the entry for ${id}`) as Promise<any>;
  };

  it('serializes without API, Consumer or Authenticated entity', async () => {
    const e = await run('basic', [], { authorization: 'Basic Ym9iOnNlY3JldA==', header1: 'header1' });
    expect(e.client_ip).toBe('127.0.0.1');
    expect(e.request.headers).toMatchObject({ header1: 'header1', authorization: 'REDACTED' });
    expect(e.request.method).toBe('GET');
    expect(e.request.querystring).toEqual({ q: '1' });
    expect(e.request.uri).toBe('/x?q=1');
    expect(e.upstream_uri).toBe('/x?q=1');
    expect(e.upstream_status).toBe('200');
    expect(e.response.status).toBe(200);
    expect(e.consumer).toBeUndefined();
    expect(e.authenticated_entity).toBeUndefined();
    expect(e.source).toBe('upstream');
    expect(e.route.name).toBe('r');
    expect(e.service.name).toBe('s');
  });

  it('(hybridctl) serialize outside the log phase is refused, as Kong\'s check_phase does', async () => {
    await run('phase');
    expect(errors).toContain('kong.log.serialize cannot be called in the access phase');
  });

  it("handle 'json.null' and 'cdata null'", async () => {
    const e = await run('null', [['response.body', null]]);
    expect(e.response.body).toBeNull();
  });

  // kong/pdk/log.lua's set_serialize_value examples.
  it('(kong/pdk/log.lua) set, nested, replace, add, remove and escaped dots', async () => {
    const e = await run('edits', [
      ['my_new_value', 1], ['my', { new: { value: 2 } }], ['my_new_value', 3],
      ['a.b.c', 4], ['escape\\.dots', 5], ['request.method', 'NOPE', 'add'], ['request.method', 'PUT', 'replace'],
      ['missing.key', 6, 'replace'], ['route', '__undefined__'],
    ]);
    expect(e.my_new_value).toBe(3);
    expect(e.my).toEqual({ new: { value: 2 } });
    expect(e.a).toEqual({ b: { c: 4 } });
    expect(e['escape.dots']).toBe(5);
    expect(e.request.method).toBe('PUT');
    expect(e.missing).toBeUndefined();
    // unsets existing log values
    expect(e.route).toBeUndefined();
  });

  it('(kong/pdk/log.lua) a mode other than set, add or replace is refused', async () => {
    await run('bad', [['k', 1, 'merge']]);
    expect(errors).toContain("mode must be 'set', 'add' or 'replace'");
  });
});
