// correlation-id, ported from Kong's spec/03-plugins/11-correlation-id/{01-access,02-schema}_spec.lua
// (each case names its it()).
import { describe, expect, it } from 'vitest';
import { correlationId } from '../../../src/plugins/correlation-id/index.js';
import { requestTermination } from '../../../src/plugins/request-termination/index.js';
import { validateConfig } from '../../../src/plugins/schema/validate.js';
import type { PluginModule } from '../../../src/plugins/types.js';
import { useHarness } from './harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UUID_COUNTER = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})#(\d+)$/;
const TRACKER = /^\d+\.\d+\.\d+\.\d+-\d+-\d+-\d+-\d+-\d{10}\.\d{3}$/;

/** Kong's error-generator-last: fails in access, after every other plugin. */
const errorGeneratorLast: PluginModule = {
  name: 'error-generator-last', version: '3.10.0', priority: -1000000, schema: { fields: [] },
  access() {
    throw new Error('[error-generator-last] access');
  },
};

describe('correlation-id (spec/03-plugins/11-correlation-id/02-schema_spec.lua)', () => {
  it('(hybridctl) fills Kong\'s defaults', () => {
    expect(validateConfig(correlationId.schema, {})).toEqual({ config: { header_name: 'Kong-Request-ID', generator: 'uuid#counter', echo_downstream: false }, errors: null });
  });
  it('(hybridctl) generator is one of Kong\'s', () => {
    expect(validateConfig(correlationId.schema, { generator: 'ulid' }).errors).toEqual({ generator: 'expected one of: uuid, uuid#counter, tracker' });
  });
  it('requried field must be included', () => {
    expect(validateConfig(correlationId.schema, { generator: null }).errors).toEqual({ generator: 'required field missing' });
  });
  // Kong inserts the row without a generator (the key is absent from the stored config), then reads it back.
  it('auto-complete generator if it is `null` in database', () => {
    expect(validateConfig(correlationId.schema, {}).config.generator).toBe('uuid#counter');
  });
  it('(hybridctl) refuses a header name Node cannot send', () => {
    expect(validateConfig(correlationId.schema, { header_name: 'Foo Bar' }).errors).toEqual({ header_name: expect.stringContaining("bad header name 'Foo Bar'") });
  });
});

function fixture(): Record<string, unknown> {
  const route = (host: string, plugins: Record<string, unknown>[], extra: Record<string, unknown> = {}) => ({ name: host, hosts: [host], plugins, ...extra });
  const cid = (config?: Record<string, unknown>) => ({ name: 'correlation-id', ...(config ? { config } : {}) });
  return {
    services: [
      {
        name: 'svc',
        routes: [
          route('correlation1.test', [cid()]),
          route('correlation2.test', [cid({ header_name: 'Foo-Bar-Id' })]),
          route('correlation3.test', [cid({ generator: 'uuid', echo_downstream: true })]),
          route('correlation4.test', [cid({ generator: 'tracker' })]),
          route('correlation5.test', [cid({ generator: 'uuid', echo_downstream: true }), { name: 'request-termination', config: { status_code: 418, message: "I'm a teapot" } }]),
          route('correlation-error.test', [cid({ generator: 'uuid', echo_downstream: true }), { name: 'error-generator-last' }]),
        ],
      },
      { name: 'dead', url: 'http://127.0.0.1:1', routes: [route('correlation-timeout.test', [cid({ generator: 'uuid', echo_downstream: true })])] },
    ],
  };
}

describe('correlation-id (spec/03-plugins/11-correlation-id/01-access_spec.lua)', () => {
  const h = useHarness(fixture, { modules: [correlationId, requestTermination, errorGeneratorLast] });
  const upstreamId = async (host: string, headers?: Record<string, string>, name = 'kong-request-id') => {
    const r = await h().send({ host, path: '/request', headers });
    expect(r.status, r.body).toBe(200);
    return { id: r.echo().headers[name] as string, res: r };
  };

  it('increments the counter part', async () => {
    const a = UUID_COUNTER.exec((await upstreamId('correlation1.test')).id)!;
    const b = UUID_COUNTER.exec((await upstreamId('correlation1.test')).id)!;
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    // One worker uuid, a counter shared by every instance (other tests may have taken numbers).
    expect(b[1]).toBe(a[1]);
    expect(Number(b[2])).toBe(Number(a[2]) + 1);
  });

  it('generates a unique UUID for every request', async () => {
    const a = (await upstreamId('correlation3.test')).id;
    const b = (await upstreamId('correlation3.test')).id;
    expect(a).toMatch(UUID);
    expect(b).toMatch(UUID);
    expect(a).not.toBe(b);
  });

  it('generates a unique tracker id for every request', async () => {
    const a = (await upstreamId('correlation4.test')).id;
    const b = (await upstreamId('correlation4.test')).id;
    expect(a).toMatch(TRACKER);
    expect(a.startsWith(`127.0.0.1-${h().proxy.address.port}-${process.pid}-`)).toBe(true);
    // A new connection per request: a new serial, each connection's first request.
    expect(a.split('-')[3]).not.toBe(b.split('-')[3]);
    expect(a.split('-')[4]).toBe('1');
  });

  it('echo_downstream sends uuid back to client', async () => {
    const { id, res } = await upstreamId('correlation3.test');
    expect(id).toMatch(UUID);
    expect(res.headers['kong-request-id']).toBe(id);
  });

  it('echo_downstream sends uuid back to client even when upstream timeouts', async () => {
    const r = await h().send({ host: 'correlation-timeout.test', path: '/' });
    expect(r.status).toBe(502);
    expect(r.headers['kong-request-id']).toMatch(UUID);
  });

  it('echo_downstream sends uuid back to client even there is a runtime error', async () => {
    const r = await h().send({ host: 'correlation-error.test', path: '/' });
    expect(r.status).toBe(500);
    expect(r.headers['kong-request-id']).toMatch(UUID);
  });

  it('echo_downstream does not send uuid back to client if not asked', async () => {
    const { res } = await upstreamId('correlation2.test', undefined, 'foo-bar-id');
    expect(res.headers['kong-request-id']).toBeUndefined();
    expect(res.headers['foo-bar-id']).toBeUndefined();
  });

  it('uses a custom header name', async () => {
    const { id, res } = await upstreamId('correlation2.test', undefined, 'foo-bar-id');
    expect(id).toMatch(UUID_COUNTER);
    expect(res.echo().headers['kong-request-id']).toBeUndefined();
  });

  it('preserves an already existing header', async () => {
    expect((await upstreamId('correlation2.test', { 'Foo-Bar-Id': 'foobar' }, 'foo-bar-id')).id).toBe('foobar');
  });

  it('does not preserve an already existing empty header', async () => {
    expect((await upstreamId('correlation2.test', { 'Foo-Bar-Id': '' }, 'foo-bar-id')).id).toMatch(UUID_COUNTER);
  });

  it('does not preserve an already existing header with space only', async () => {
    expect((await upstreamId('correlation2.test', { 'Foo-Bar-Id': ' ' }, 'foo-bar-id')).id).toMatch(UUID_COUNTER);
  });

  it('executes with echo_downstream when access did not execute', async () => {
    const r = await h().send({ host: 'correlation5.test', path: '/' });
    expect(r.status).toBe(418);
    expect(r.json()).toEqual({ message: "I'm a teapot" });
    expect(r.headers['kong-request-id']).toMatch(UUID);
  });

  it('echoes incoming with echo_downstream when access did not execute', async () => {
    const r = await h().send({ host: 'correlation5.test', path: '/', headers: { 'kong-request-id': 'my very personal id' } });
    expect(r.status).toBe(418);
    expect(r.headers['kong-request-id']).toBe('my very personal id');
  });

  it('(hybridctl) echoes the id the upstream saw, not a new one', async () => {
    const { id, res } = await upstreamId('correlation3.test', { 'kong-request-id': 'given' });
    expect(id).toBe('given');
    expect(res.headers['kong-request-id']).toBe('given');
  });
});
