// proxy-cache, ported from Kong's spec/03-plugins/31-proxy-cache/{01-schema,02-access}_spec.lua
// (each case names its it()). The clock is moved instead of sleeping.
import { afterEach, describe, expect, it } from 'vitest';
import { useHarness } from './harness.js';
import { proxyCache } from '../../../src/plugins/proxy-cache/index.js';
import { clock, MemoryStore } from '../../../src/plugins/proxy-cache/store.js';
import { validateConfig } from '../../../src/plugins/schema/validate.js';

const v = (config: Record<string, unknown>) => validateConfig(proxyCache.schema, config);

describe('proxy-cache (spec/03-plugins/31-proxy-cache/01-schema_spec.lua)', () => {
  it('accepts a minimal config', () => expect(v({ strategy: 'memory' }).errors).toBeNull());
  it('defines default content-type values', () => expect(v({ strategy: 'memory' }).config.content_type).toEqual(['text/plain', 'application/json']));
  it('accepts a config with custom values', () => expect(v({ strategy: 'memory', response_code: [200, 301], request_method: ['GET'], content_type: ['application/json'] }).errors).toBeNull());
  it('errors with invalid response_code', () => expect(v({ strategy: 'memory', response_code: [99] }).errors).toEqual({ response_code: { 1: 'value should be between 100 and 900' } }));
  it('errors if response_code is an empty array', () => expect(v({ strategy: 'memory', response_code: [] }).errors).toEqual({ response_code: 'length must be at least 1' }));
  it('errors if response_code is a string', () => expect(v({ strategy: 'memory', response_code: 'foo' }).errors).toEqual({ response_code: 'expected an array' }));
  it('errors if response_code has float value', () => expect(v({ strategy: 'memory', response_code: [200.5] }).errors).toEqual({ response_code: { 1: 'expected an integer' } }));
  it('errors with invalid ttl', () => expect(v({ strategy: 'memory', cache_ttl: -1 }).errors).toEqual({ cache_ttl: 'value must be greater than 0' }));
  it('supports vary_query_params values', () => expect(v({ strategy: 'memory', vary_query_params: ['foo'] }).config.vary_query_params).toEqual(['foo']));
  it('supports vary_headers values', () => expect(v({ strategy: 'memory', vary_headers: ['foo'] }).config.vary_headers).toEqual(['foo']));
  it('accepts wildcard content_type', () => expect(v({ strategy: 'memory', content_type: ['application/*', '*/text', '*/*'] }).errors).toBeNull());
  it('accepts content_type with parameter', () => expect(v({ strategy: 'memory', content_type: ['application/json; charset=UTF-8'] }).errors).toBeNull());
  it('(hybridctl) strategy is required and only memory exists', () => {
    expect(v({}).errors).toEqual({ strategy: 'required field missing' });
    expect(v({ strategy: 'redis' }).errors).toEqual({ strategy: 'expected one of: memory' });
  });
  it("(hybridctl) the memory dictionary must be one of Kong's shared dicts", () => {
    expect(v({ strategy: 'memory', memory: { dictionary_name: 'nope' } }).errors).toEqual({ '@entity': "missing shared dict 'nope'" });
    expect(v({ strategy: 'memory' }).config.memory).toEqual({ dictionary_name: 'kong_db_cache' });
  });
});

describe('proxy-cache memory store (hybridctl)', () => {
  it('(hybridctl) evicts least recently used entries to stay within its byte cap', () => {
    const s = new MemoryStore(1000);
    const entry = (n: number) => ({ status: 200, headers: [], body: Buffer.alloc(n), timestamp: 0, ttl: 10, version: 1 });
    expect(s.store('a', entry(300), 10)).toBe(true);
    expect(s.store('b', entry(300), 10)).toBe(true);
    s.fetch('a');
    expect(s.store('c', entry(300), 10)).toBe(true);
    expect(s.fetch('b')).toBeNull();
    expect(s.fetch('a')).not.toBeNull();
    expect(s.store('huge', entry(2000), 10)).toBe(false);
  });
});

let upstreamHits = 0;
const pc = (config: Record<string, unknown> = {}) => ({ name: 'proxy-cache', config: { strategy: 'memory', content_type: ['text/plain', 'application/json'], ...config } });
const route = (n: string, plugins: unknown[], extra: Record<string, unknown> = {}) => ({ name: n, hosts: [`${n}.test`], plugins, ...extra });

function fixture(): Record<string, unknown> {
  return {
    consumers: [{ username: 'bob', keyauth_credentials: [{ key: 'bob' }] }, { username: 'alice', keyauth_credentials: [{ key: 'alice' }] }],
    services: [{
      name: 'svc',
      routes: [
        route('route-1', [pc()]),
        route('route-5', [pc(), { name: 'key-auth' }]),
        route('route-6', [pc({ cache_ttl: 2 })]),
        route('route-7', [pc({ cache_control: true })]),
        route('route-8', [pc({ cache_control: true, storage_ttl: 600 })]),
        route('route-9', [pc({ cache_ttl: 2, storage_ttl: 60 })]),
        route('route-10', [pc({ content_type: ['text/html; charset=utf-8', 'application/json'], response_code: [200, 417], request_method: ['GET', 'HEAD', 'POST'] })]),
        route('route-11', [pc({ response_code: [200], request_method: ['GET', 'HEAD', 'POST'], vary_headers: ['foo'] })]),
        route('route-12', [pc({ vary_query_params: ['foo'] })]),
        route('route-13', [pc({ ignore_uri_case: true })]),
        route('route-22', [pc({ response_headers: { age: false, 'X-Cache-Status': false, 'X-Cache-Key': false } })]),
        route('route-23', [pc({ response_headers: { age: true, 'X-Cache-Status': true, 'X-Cache-Key': true } })]),
        route('route-24', [pc()]),
        route('route-25', [pc({ content_type: ['*/*'] })]),
        route('route-26', [pc({ content_type: ['application/json; charset=utf-8'] })]),
      ],
    }],
  };
}

describe('proxy-cache (spec/03-plugins/31-proxy-cache/02-access_spec.lua)', () => {
  const h = useHarness(fixture, {
    modules: [proxyCache],
    upstream: (url) => {
      upstreamHits++;
      const cache = /^\/cache\/(\d+)/.exec(url);
      if (cache) return { headers: { 'cache-control': `public, max-age=${cache[1]}` }, body: `{"cache":${cache[1]}}` };
      if (url.startsWith('/response-headers?')) return { headers: Object.fromEntries(new URLSearchParams(url.slice(url.indexOf('?') + 1))), body: '{}' };
      if (url.startsWith('/xml')) return { headers: { 'content-type': 'application/xml' }, body: '<a/>' };
      return undefined;
    },
  });
  const get = (host: string, path = '/get', headers: Record<string, string> = {}) => h().send({ host, path, headers });
  afterEach(() => { clock.offsetMs = 0; });

  it('caches a simple request', async () => {
    const r1 = await get('route-1.test');
    expect(r1.status).toBe(200);
    expect(r1.headers['x-cache-status']).toBe('Miss');
    expect(r1.headers['x-cache-key']).toMatch(/^[0-9a-f]{64}$/);
    const hits = upstreamHits;
    const r2 = await get('route-1.test');
    expect(r2.status).toBe(200);
    expect(r2.headers['x-cache-status']).toBe('Hit');
    expect(r2.headers['x-cache-key']).toBe(r1.headers['x-cache-key']);
    expect(r2.body).toBe(r1.body);
    expect(r2.headers['content-type']).toBe('application/json');
    // Age counts whole seconds (Kong's ngx.time()): 1 when a second boundary falls between the two requests.
    expect(['0', '1']).toContain(r2.headers.age);
    expect(upstreamHits).toBe(hits);
  });
  it('No X-Cache* neither age headers on the response without debug header in the query', async () => {
    const r1 = await get('route-22.test');
    expect(r1.headers['x-cache-status']).toBeUndefined();
    const r2 = await get('route-22.test');
    expect(r2.headers['x-cache-status']).toBeUndefined();
    expect(r2.headers['x-cache-key']).toBeUndefined();
    expect(r2.headers.age).toBeUndefined();
    const r3 = await get('route-22.test', '/get', { 'kong-debug': '1' });
    expect(r3.headers['x-cache-status']).toBe('Hit');
    expect(r3.headers.age).toBeDefined();
    expect(r3.headers['x-cache-key']).toMatch(/^[0-9a-f]{64}$/);
  });
  for (const [title, host] of [['response_headers headers on the response when configured', 'route-23.test'], ['response_headers headers on the response when set to default', 'route-24.test']]) {
    it(title!, async () => {
      const r1 = await get(host!);
      expect(r1.headers['x-cache-status']).toBe('Miss');
      expect(r1.headers.age).toBeUndefined();
      expect(r1.headers['x-cache-key']).toBeDefined();
      const r2 = await get(host!);
      expect(r2.headers['x-cache-status']).toBe('Hit');
      expect(r2.headers.age).toBeDefined();
      expect(r2.headers['x-cache-key']).toBe(r1.headers['x-cache-key']);
    });
  }
  it('respects cache ttl', async () => {
    expect((await get('route-6.test')).headers['x-cache-status']).toBe('Miss');
    expect((await get('route-6.test')).headers['x-cache-status']).toBe('Hit');
    clock.offsetMs = 3000;
    // Stored for cache_ttl: gone from the store.
    expect((await get('route-6.test')).headers['x-cache-status']).toBe('Miss');
    expect((await get('route-6.test')).headers['x-cache-status']).toBe('Hit');
    // storage_ttl > cache_ttl: still stored, but stale.
    expect((await get('route-9.test')).headers['x-cache-status']).toBe('Miss');
    expect((await get('route-9.test')).headers['x-cache-status']).toBe('Hit');
    clock.offsetMs = 6000;
    expect((await get('route-9.test')).headers['x-cache-status']).toBe('Refresh');
    expect((await get('route-9.test')).headers['x-cache-status']).toBe('Hit');
  });
  it('public not present in Cache-Control, but max-age is', async () => {
    expect((await get('route-7.test', '/response-headers?Cache-Control=max-age%3D604800')).headers['x-cache-status']).toBe('Miss');
  });
  it('Cache-Control contains s-maxage only', async () => {
    expect((await get('route-7.test', '/response-headers?Cache-Control=s-maxage%3D604800')).headers['x-cache-status']).toBe('Miss');
  });
  it('Expires present, Cache-Control absent', async () => {
    const date = new Date(Date.now() + 5000_000).toUTCString();
    expect((await get('route-7.test', `/response-headers?Expires=${encodeURIComponent(date)}`)).headers['x-cache-status']).toBe('Miss');
  });
  it('(hybridctl) no Cache-Control and no Expires with cache_control on (bypass)', async () => {
    expect((await get('route-7.test', '/get')).headers['x-cache-status']).toBe('Bypass');
  });
  it('min-fresh', async () => {
    await get('route-7.test', '/cache/2');
    expect((await get('route-7.test', '/cache/2', { 'Cache-Control': 'min-fresh=30' })).headers['x-cache-status']).toBe('Refresh');
  });
  it('max-age', async () => {
    const cc = { 'Cache-Control': 'max-age=2' };
    expect((await get('route-7.test', '/cache/10', cc)).headers['x-cache-status']).toBe('Miss');
    expect((await get('route-7.test', '/cache/10', cc)).headers['x-cache-status']).toBe('Hit');
    clock.offsetMs = 3000;
    expect((await get('route-7.test', '/cache/10', cc)).headers['x-cache-status']).toBe('Refresh');
  });
  it('max-stale', async () => {
    expect((await get('route-8.test', '/cache/2')).headers['x-cache-status']).toBe('Miss');
    expect((await get('route-8.test', '/cache/2')).headers['x-cache-status']).toBe('Hit');
    clock.offsetMs = 4000;
    expect((await get('route-8.test', '/cache/2', { 'Cache-Control': 'max-stale=1' })).headers['x-cache-status']).toBe('Refresh');
  });
  it('only-if-cached', async () => {
    const r = await get('route-8.test', '/get?not=here', { 'Cache-Control': 'only-if-cached' });
    expect(r.status).toBe(504);
  });
  it('uses request params as part of the cache key', async () => {
    expect((await get('route-1.test', '/get?a=b&b=c')).headers['x-cache-status']).toBe('Miss');
    expect((await get('route-1.test', '/get?a=c')).headers['x-cache-status']).toBe('Miss');
    expect((await get('route-1.test', '/get?b=c&a=b')).headers['x-cache-status']).toBe('Hit');
  });
  it('can focus only in a subset of the query arguments', async () => {
    expect((await get('route-12.test', '/get?foo=b&b=c')).headers['x-cache-status']).toBe('Miss');
    expect((await get('route-12.test', '/get?b=d&foo=b')).headers['x-cache-status']).toBe('Hit');
  });
  it('uses headers if instructed to do so', async () => {
    expect((await get('route-11.test', '/get', { foo: 'bar' })).headers['x-cache-status']).toBe('Miss');
    expect((await get('route-11.test', '/get', { foo: 'bar' })).headers['x-cache-status']).toBe('Hit');
    expect((await get('route-11.test', '/get', { foo: 'baz' })).headers['x-cache-status']).toBe('Miss');
  });
  it('by ignoring cache if the request is unauthenticated', async () => {
    const r = await get('route-5.test');
    expect(r.status).toBe(401);
    expect(r.headers['x-cache-status']).toBeUndefined();
  });
  it('by maintaining a separate cache per consumer', async () => {
    expect((await get('route-5.test', '/get?apikey=bob')).headers['x-cache-status']).toBe('Miss');
    expect((await get('route-5.test', '/get?apikey=bob')).headers['x-cache-status']).toBe('Hit');
    const alice = await get('route-5.test', '/get?apikey=alice');
    expect(alice.headers['x-cache-status']).toBe('Miss');
  });
  it('request method', async () => {
    const r = await h().send({ host: 'route-1.test', method: 'POST', path: '/post', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(200);
    expect(r.headers['x-cache-status']).toBe('Bypass');
  });
  it('response status', async () => {
    const r = await get('route-1.test', '/status/418');
    expect(r.status).toBe(418);
    expect(r.headers['x-cache-status']).toBe('Bypass');
  });
  it('response content type', async () => {
    const r = await get('route-1.test', '/xml');
    expect(r.status).toBe(200);
    expect(r.headers['x-cache-status']).toBe('Bypass');
  });
  it('request methods', async () => {
    const post = () => h().send({ host: 'route-10.test', method: 'POST', path: '/post', body: 'x' });
    expect((await post()).headers['x-cache-status']).toBe('Miss');
    expect((await post()).headers['x-cache-status']).toBe('Hit');
  });
  it('should cache a request with wildcard content_type(*/*)', async () => {
    expect((await get('route-25.test', '/xml')).headers['x-cache-status']).toBe('Miss');
    expect((await get('route-25.test', '/xml')).headers['x-cache-status']).toBe('Hit');
  });
  it('should not cache a request while parameter is not match', async () => {
    expect((await get('route-26.test')).headers['x-cache-status']).toBe('Bypass');
  });
  it('ignore uri case in cache_key', async () => {
    expect((await get('route-13.test', '/ignore-case/kong')).headers['x-cache-status']).toBe('Miss');
    expect((await get('route-13.test', '/ignore-case/KONG')).headers['x-cache-status']).toBe('Hit');
  });
  it('acknowledge uri case in cache_key', async () => {
    expect((await get('route-1.test', '/acknowledge-case/kong')).headers['x-cache-status']).toBe('Miss');
    expect((await get('route-1.test', '/acknowledge-case/KONG')).headers['x-cache-status']).toBe('Miss');
  });
});
