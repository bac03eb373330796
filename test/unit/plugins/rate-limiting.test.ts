// rate-limiting, ported from Kong's spec/03-plugins/23-rate-limiting/{01-schema,04-access}_spec.lua
// (policy local, the one a data plane runs), plus the node-wide counters its proxy workers share.
import { describe, expect, it } from 'vitest';
import { useCluster } from './harness.js';
import { nodePlugins } from '../../../src/plugins/catalogue.js';
import { rateLimiting } from '../../../src/plugins/rate-limiting/index.js';
import { CounterStore, answerCounters, ipcCounters, type CounterReply } from '../../../src/plugins/runtime/counters.js';

const check = (config: Record<string, unknown>) => nodePlugins(new Map([['rate-limiting', rateLimiting]]), 'control_plane').check({ name: 'rate-limiting', config, protocols: ['http'] });

describe('rate-limiting schema (spec/03-plugins/23-rate-limiting/01-schema_spec.lua)', () => {
  const cases: { it: string; config: Record<string, unknown>; errors: unknown }[] = [
    { it: 'limits: smaller unit is less than bigger unit', config: { second: 20, hour: 10 }, errors: { config: 'The limit for hour(10.0) cannot be lower than the limit for second(20.0)' } },
    { it: 'limits: smaller unit is less than bigger unit (bis)', config: { second: 20, month: 60, year: 50 }, errors: { config: 'The limit for year(50.0) cannot be lower than the limit for month(60.0)' } },
    { it: 'invalid limit', config: {}, errors: { '@entity': ["at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year'"] } },
    { it: 'is limited by header but the header_name field is missing', config: { second: 10, limit_by: 'header' }, errors: { config: { header_name: 'required field missing' } } },
    { it: 'is limited by path but the path field is missing', config: { second: 10, limit_by: 'path' }, errors: { config: { path: 'required field missing' } } },
    { it: '(03-api) does not allow setting policy to cluster on dbless', config: { minute: 6, policy: 'cluster' }, errors: { config: { policy: 'expected one of: local, redis' } } },
    { it: '(hybridctl) refuses the redis policy, which a data plane here cannot enforce', config: { minute: 6, policy: 'redis', redis: { host: 'r' } }, errors: { config: { policy: expect.stringContaining("policy 'redis' is not supported") } } },
    { it: '(hybridctl) limits must be positive', config: { minute: 0 }, errors: { config: { minute: 'value must be greater than 0' } } },
  ];
  for (const c of cases) it(c.it, () => expect(check(c.config).errors).toEqual(c.errors));

  it('(03-api) sets policy to local by default', () => {
    const r = check({ minute: 6 });
    expect(r.errors).toBeNull();
    expect(r.config).toMatchObject({ policy: 'local', limit_by: 'consumer', fault_tolerant: true, hide_client_headers: false, error_code: 429, error_message: 'API rate limit exceeded', sync_rate: -1, redis: { port: 6379, timeout: 2000 } });
  });
});

function fixture(): Record<string, unknown> {
  const route = (host: string, config: Record<string, unknown>, extra: Record<string, unknown>[] = []) => ({ name: host, hosts: [host], plugins: [{ name: 'rate-limiting', config }, ...extra] });
  return {
    consumers: [{ username: 'bob', keyauth_credentials: [{ key: 'apikey122' }] }, { username: 'alice', keyauth_credentials: [{ key: 'apikey123' }] }],
    services: [{
      name: 'svc',
      routes: [
        route('test1.test', { minute: 6, limit_by: 'ip' }),
        route('test2.test', { minute: 6, limit_by: 'consumer' }, [{ name: 'key-auth' }]),
        route('test3.test', { minute: 6, limit_by: 'header', header_name: 'x-client' }),
        route('test4.test', { minute: 6, limit_by: 'ip', hide_client_headers: true }),
        route('test5.test', { minute: 6, hour: 99999, limit_by: 'ip' }),
        route('test6.test', { second: 1, limit_by: 'ip' }),
        route('test7.test', { minute: 1, limit_by: 'ip', error_code: 404, error_message: 'Fake Not Found' }),
      ],
    }],
  };
}

describe('rate-limiting (spec/03-plugins/23-rate-limiting/04-access_spec.lua, policy local)', () => {
  const h = useCluster(fixture);

  const sixThenBlocked = async (host: string, headers: Record<string, string> = {}) => {
    const statuses: number[] = [];
    const remaining: string[] = [];
    let last;
    for (let i = 0; i < 7; i++) {
      last = await h().send({ host, path: '/status/200', headers });
      statuses.push(last.status);
      remaining.push(String(last.headers['x-ratelimit-remaining-minute']));
      if (i < 6) {
        expect(last.headers['ratelimit-limit']).toBe('6');
        const reset = Number(last.headers['ratelimit-reset']);
        expect(reset).toBeGreaterThanOrEqual(1);
        expect(reset).toBeLessThanOrEqual(60);
      }
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429]);
    expect(remaining).toEqual(['5', '4', '3', '2', '1', '0', '0']);
    expect(last!.json().message).toBe('API rate limit exceeded');
    expect(last!.headers['retry-after']).toBe(last!.headers['ratelimit-reset']);
    return last!;
  };

  it('blocks if exceeding limit (single ip)', async () => {
    await sixThenBlocked('test1.test');
  });

  it('blocks if exceeding limit (single consumer), and counts each consumer apart', async () => {
    await sixThenBlocked('test2.test', { apikey: 'apikey122' });
    const other = await h().send({ host: 'test2.test', path: '/status/200', headers: { apikey: 'apikey123' } });
    expect(other.status).toBe(200);
    expect(other.headers['x-ratelimit-remaining-minute']).toBe('5');
  });

  it('blocks if exceeding limit (single header)', async () => {
    await sixThenBlocked('test3.test', { 'x-client': 'a' });
    expect((await h().send({ host: 'test3.test', path: '/status/200', headers: { 'x-client': 'b' } })).status).toBe(200);
  });

  it('hide_client_headers (single ip)', async () => {
    for (let i = 0; i < 7; i++) {
      const r = await h().send({ host: 'test4.test', path: '/status/200' });
      expect(r.status).toBe(i < 6 ? 200 : 429);
      for (const k of Object.keys(r.headers)) expect(k).not.toMatch(/^(x-ratelimit|ratelimit|retry-after)/);
    }
  });

  it('handles multiple limits (single ip)', async () => {
    const r = await h().send({ host: 'test5.test', path: '/status/200' });
    expect(r.headers['ratelimit-limit']).toBe('6');
    expect(r.headers['ratelimit-remaining']).toBe('5');
    expect(r.headers['x-ratelimit-limit-hour']).toBe('99999');
    expect(r.headers['x-ratelimit-remaining-hour']).toBe('99998');
  });

  it('expire counter', async () => {
    // Start right after a second boundary so the two requests share a window.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
    const first = await h().send({ host: 'test6.test', path: '/status/200' });
    expect(first.status).toBe(200);
    expect(first.headers['ratelimit-limit']).toBe('1');
    expect(first.headers['ratelimit-remaining']).toBe('0');
    expect(first.headers['x-ratelimit-limit-second']).toBe('1');
    expect(first.headers['x-ratelimit-remaining-second']).toBe('0');
    const second = await h().send({ host: 'test6.test', path: '/status/200' });
    expect(second.status).toBe(429);
    expect(second.json().message).toBe('API rate limit exceeded');
    await new Promise((r) => setTimeout(r, 1100));
    expect((await h().send({ host: 'test6.test', path: '/status/200' })).status).toBe(200);
  });

  it('blocks with a custom error code and message', async () => {
    expect((await h().send({ host: 'test7.test', path: '/status/200' })).status).toBe(200);
    const r = await h().send({ host: 'test7.test', path: '/status/200' });
    expect(r.status).toBe(404);
    expect(r.json().message).toBe('Fake Not Found');
  });
});

describe('node-wide counters (hybridctl)', () => {
  it('workers asking the sync process never let more than the limit through, even all at once', async () => {
    const store = new CounterStore();
    // Two "workers" on one store, replies delivered asynchronously as over IPC.
    const worker = () => {
      let deliver: (m: CounterReply) => void = () => {};
      return ipcCounters((m) => setImmediate(() => deliver(answerCounters(store, m))), (fn) => (deliver = fn));
    };
    const [a, b] = [worker(), worker()];
    const keys = [{ key: 'k', ttlSec: 60, limit: 10 }];
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).take(keys)));
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    expect(store.peek(['k'])).toEqual([10]);
  });

  it('a counter starts again once its window has passed', () => {
    const store = new CounterStore();
    const keys = [{ key: 'w', ttlSec: 1, limit: 1 }];
    expect(store.take(keys, 1000).allowed).toBe(true);
    expect(store.take(keys, 1500).allowed).toBe(false);
    expect(store.take(keys, 2001).allowed).toBe(true);
  });
});
