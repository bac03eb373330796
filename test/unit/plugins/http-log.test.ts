// http-log, ported from Kong's spec/03-plugins/03-http-log/01-log_spec.lua (each case names its
// it()), through a real control plane and data plane posting to collectors on loopback. The
// serializer's cases come from spec/01-unit/10-log_serializer_spec.lua.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { until } from '../../helpers/cluster.js';
import { freePort } from '../../helpers/net.js';
import { useCluster } from './harness.js';
import { entriesOf, httpCollector, type HttpCollector } from './log-collectors.js';

let collector: HttpCollector;
let down: HttpCollector;
let full: HttpCollector;
let failing: HttpCollector;
let silent: { server: Server; port: number; sockets: Set<Socket> };
let downPort = 0;
let fullPort = 0;

beforeAll(async () => {
  collector = await httpCollector();
  failing = await httpCollector();
  failing.status = 500;
  [downPort, fullPort] = [await freePort(), await freePort()];
  const sockets = new Set<Socket>();
  // Accepts connections and never answers: the collector that times out.
  const server = createServer((s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  silent = { server, port: (server.address() as AddressInfo).port, sockets };
});

afterAll(async () => {
  for (const s of silent.sockets) s.destroy();
  silent.server.close();
  await Promise.all([collector, down, full, failing].map((c) => c?.stop()));
});

const url = (path: string, port = collector.port, userinfo = '') => `http://${userinfo}127.0.0.1:${port}${path}`;
const fastRetry = { initial_retry_delay: 0.05, max_retry_delay: 0.2, max_retry_time: 120 };

function fixture(): Record<string, unknown> {
  const route = (host: string, config: Record<string, unknown>, more: Record<string, unknown>[] = []) => ({ name: host, hosts: [host], plugins: [{ name: 'http-log', config }, ...more] });
  return {
    services: [{
      name: 'svc',
      routes: [
        route('http_logging.test', { http_endpoint: url('/post_log/http') }),
        route('content_type_application_json_http_logging.test', { http_endpoint: url('/post_log/http2'), content_type: 'application/json' }),
        route('content_type_application_json_charset_utf_8_http_logging.test', { http_endpoint: url('/post_log/http3'), content_type: 'application/json; charset=utf-8' }),
        route('http_basic_auth_logging.test', { http_endpoint: url('/post_log/basic_auth', collector.port, 'testuser:testpassword@'), headers: { 'Hello-World': 'hi there' } }),
        route('http_host_header.test', { http_endpoint: url('/post_log/http_host_header') }),
        route('https_logging_faulty.test', { http_endpoint: url('/post_log/faulty', silent.port, 'user:s3cret-in-url@'), timeout: 200, queue: { max_retry_time: 0 } }),
        route('no_queue.test', { http_endpoint: url('/post_log/no_queue'), queue: { concurrency_limit: -1 } }),
        route('http_queue_logging.test', { http_endpoint: url('/post_log/http_queue'), queue: { max_batch_size: 5, max_coalescing_delay: 0.1 } }),
        route('http_queue_logging2.test', { http_endpoint: url('/post_log/http_queue2'), queue: { max_batch_size: 5, max_coalescing_delay: 0.1 } }),
        route('outage.test', { http_endpoint: url('/post_log/outage', downPort), queue: fastRetry }),
        route('queue_full.test', { http_endpoint: url('/post_log/full', fullPort), queue: { ...fastRetry, max_entries: 2 } }),
        route('collector_500.test', { http_endpoint: url('/post_log/500', failing.port, 'logger:pw-in-url-500@'), headers: { 'X-Api-Key': 'key-in-header-500' }, queue: fastRetry }),
        route('legacy_queue.test', { http_endpoint: url('/post_log/legacy'), queue_size: 3, flush_timeout: 0.2 }),
        route('exit.test', { http_endpoint: url('/post_log/exit') }, [{ name: 'request-termination', config: { status_code: 418, message: 'teapot' } }]),
        route('auth.test', { http_endpoint: url('/post_log/auth') }, [{ name: 'key-auth' }]),
      ],
    }],
    consumers: [{ username: 'bob', keyauth_credentials: [{ key: 'bobs-key' }] }],
    plugins: [{ name: 'http-log', config: { http_endpoint: url('/post_log/global') } }],
  };
}

describe('http-log (spec/03-plugins/03-http-log/01-log_spec.lua)', () => {
  const h = useCluster(fixture);
  const get = (host: string, path = '/status/200', headers: Record<string, string> = {}) => h().send({ host, path, headers });
  const entries = (path: string, n = 1) => until(async () => {
    const e = entriesOf(collector.posts, path);
    return e.length >= n ? e : undefined;
  }, `${n} entries at ${path}`);
  const posted = (path: string, c = collector) => until(async () => c.posts.find((p) => p.url === path), `a post to ${path}`);
  const dpLine = (text: string) => until(async () => h().lines.find((l) => String(l.msg).includes(text)), `"${text}" in the data plane's log`);

  it('logs to HTTP', async () => {
    expect((await get('http_logging.test', '/status/200?a=1&b=2&flag', { authorization: 'Bearer secret-token', 'proxy-authorization': 'Basic eA==' })).status).toBe(200);
    const [e] = await entries('/post_log/http');
    expect(e.client_ip).toBe('127.0.0.1');
    // 10-log_serializer_spec.lua: it("serializes without API, Consumer or Authenticated entity")
    expect(e.request.headers.authorization).toBe('REDACTED');
    expect(e.request.headers['proxy-authorization']).toBe('REDACTED');
    expect(e.request.querystring).toEqual({ a: '1', b: '2', flag: true });
    expect(e.request.uri).toBe('/status/200?a=1&b=2&flag');
    expect(e.request.url).toMatch(/^http:\/\/http_logging\.test:\d+\/status\/200\?a=1&b=2&flag$/);
    expect(e.upstream_uri).toBe('/status/200?a=1&b=2&flag');
    expect(e.request.method).toBe('GET');
    expect(e.response.status).toBe(200);
    expect(e.source).toBe('upstream');
    expect(e.latencies.proxy).toBeGreaterThanOrEqual(0);
    expect(e.latencies.request).toBeGreaterThanOrEqual(e.latencies.kong);
    expect(e.route.service).toEqual({ id: e.service.id });
    expect(e.consumer).toBeUndefined();
    expect(e.authenticated_entity).toBeUndefined();
    expect(typeof e.started_at).toBe('number');
    expect(Math.abs(e.started_at - Date.now())).toBeLessThan(10 * 60_000);
  });

  it("logs to HTTP with content-type 'application/json'", async () => {
    await get('content_type_application_json_http_logging.test');
    expect((await posted('/post_log/http2')).headers['content-type']).toBe('application/json');
  });

  it("logs to HTTP with content-type 'application/json; charset=utf-8'", async () => {
    await get('content_type_application_json_charset_utf_8_http_logging.test');
    expect((await posted('/post_log/http3')).headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('adds authorization if userinfo and/or header is present', async () => {
    await get('http_basic_auth_logging.test');
    const p = await posted('/post_log/basic_auth');
    expect(p.headers.authorization).toBe('Basic dGVzdHVzZXI6dGVzdHBhc3N3b3Jk');
    expect(p.headers['hello-world']).toBe('hi there');
  });

  it('http client implicitly adds Host header', async () => {
    await get('http_host_header.test');
    expect((await posted('/post_log/http_host_header')).headers.host).toBe(`127.0.0.1:${collector.port}`);
  });

  it('gracefully handles layer 4 failures', async () => {
    expect((await get('https_logging_faulty.test')).status).toBe(200);
    await dpLine(`handler could not process entries: failed request to 127.0.0.1:${silent.port}: timeout`);
    // (hybridctl) secrets stay out of the log: URL userinfo and configured header values.
    await dpLine('could not send entries due to max_retry_time exceeded. 1 queue entries were lost');
    const all = JSON.stringify(h().lines);
    expect(all).not.toContain('s3cret-in-url');
    expect(all).not.toContain('testpassword');
    expect(all).not.toContain('hi there');
  });

  it('should not use queue when queue.concurrency_limit is -1', async () => {
    await get('no_queue.test');
    expect((await entries('/post_log/no_queue'))[0].client_ip).toBe('127.0.0.1');
  });

  it('logs to HTTP with a buffer', async () => {
    const n = 40;
    for (let i = 1; i <= n; i++) expect((await get('http_queue_logging.test', `/status/${200 + (i % 10)}`)).status).toBe(200 + (i % 10));
    await entries('/post_log/http_queue', n);
    const posts = collector.posts.filter((p) => p.url === '/post_log/http_queue');
    // Batches are JSON arrays of at most max_batch_size entries.
    for (const p of posts) {
      const batch = JSON.parse(p.body);
      expect(Array.isArray(batch)).toBe(true);
      expect(batch.length).toBeGreaterThanOrEqual(1);
      expect(batch.length).toBeLessThanOrEqual(5);
    }
  });

  it('does not mix buffers', async () => {
    const n = 20;
    for (let i = 1; i <= n; i++) {
      expect((await get('http_queue_logging.test', `/status/${200 + (i % 10)}`)).status).toBe(200 + (i % 10));
      expect((await get('http_queue_logging2.test', `/status/${300 + (i % 10)}`)).status).toBe(300 + (i % 10));
    }
    const second = await entries('/post_log/http_queue2', n);
    expect(second.every((e) => e.response.status >= 300 && e.response.status < 310)).toBe(true);
    expect(second.map((e) => e.response.status).sort()).toEqual(Array.from({ length: n }, (_, i) => 300 + ((i + 1) % 10)).sort());
    expect(entriesOf(collector.posts, '/post_log/http_queue').every((e) => e.response.status >= 200 && e.response.status < 210)).toBe(true);
  });

  it('executes successfully when route does not exist (enabled globally)', async () => {
    expect((await get('http_no_exist.test', '/nonexistant/proxy/path')).status).toBe(404);
    const [e] = await entries('/post_log/global');
    expect(e.client_ip).toBe('127.0.0.1');
    expect(e.response.status).toBe(404);
    expect(e.route).toBeUndefined();
    expect(e.source).toBe('kong');
  });

  // 10-log_serializer_spec.lua: it("serializes the response.source")
  it('(hybridctl) a plugin\'s answer is logged with source kong and no upstream', async () => {
    expect((await get('exit.test')).status).toBe(418);
    const [e] = await entries('/post_log/exit');
    expect(e).toMatchObject({ source: 'kong', upstream_uri: '', upstream_status: '', response: { status: 418 } });
    expect(e.latencies.proxy).toBe(-1);
  });

  // 10-log_serializer_spec.lua: it("serializes the Consumer object"), it("serializes the Authenticated Entity object")
  it('(hybridctl) an authenticated request carries its consumer and credential id', async () => {
    expect((await get('auth.test', '/status/200', { apikey: 'bobs-key' })).status).toBe(200);
    const [e] = await entries('/post_log/auth');
    expect(e.consumer.username).toBe('bob');
    expect(e.authenticated_entity.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(e)).not.toContain('"key":"bobs-key"');
  });

  it('(hybridctl) the data plane keeps serving while the collector is down, and delivers once it is back', async () => {
    for (let i = 0; i < 5; i++) expect((await get('outage.test', `/status/${200 + i}`)).status).toBe(200 + i);
    await dpLine(`failed request to 127.0.0.1:${downPort}: connection refused`);
    down = await httpCollector(downPort);
    const got = await until(async () => {
      const e = entriesOf(down.posts, '/post_log/outage');
      return e.length >= 5 ? e : undefined;
    }, 'the entries after the outage');
    expect(got.map((e) => e.response.status).sort()).toEqual([200, 201, 202, 203, 204]);
  });

  it('(hybridctl) a full queue drops its oldest entries and says so', async () => {
    for (let i = 0; i < 5; i++) expect((await get('queue_full.test', `/status/${200 + i}`)).status).toBe(200 + i);
    await dpLine('queue full, dropping old entries until processing is successful again');
    full = await httpCollector(fullPort);
    // The first entry was being sent when the queue filled; of the rest, the two newest stayed.
    const got = await until(async () => {
      const e = entriesOf(full.posts, '/post_log/full');
      return e.length >= 3 ? e : undefined;
    }, 'the entries kept');
    expect(got.map((e) => e.response.status).sort()).toEqual([200, 203, 204]);
  });

  it('(hybridctl) a collector answering 500 is retried until it accepts; what it echoes of the credentials is not logged', async () => {
    expect((await get('collector_500.test')).status).toBe(200);
    await dpLine(`request to 127.0.0.1:${failing.port} returned status code 500 and body collector says no`);
    const all = JSON.stringify(h().lines);
    expect(all).toContain('x-api-key');
    expect(all).not.toContain('key-in-header-500');
    expect(all).not.toContain('pw-in-url-500');
    expect(all).not.toContain(Buffer.from('logger:pw-in-url-500').toString('base64'));
    failing.status = 200;
    await until(async () => failing.posts.find((p) => p.url === '/post_log/500' && JSON.parse(p.body).client_ip), 'the retried post');
  });

  // 02-schema_spec.lua: it("converts legacy queue parameters"): queue_size becomes max_batch_size, and batches are arrays.
  it('(hybridctl) legacy queue_size batches as queue.max_batch_size does, with Kong\'s deprecation warning', async () => {
    await get('legacy_queue.test');
    const p = await posted('/post_log/legacy');
    expect(Array.isArray(JSON.parse(p.body))).toBe(true);
    await dpLine('the queue_size parameter is deprecated, please update your configuration to use queue.max_batch_size instead');
    await dpLine('the flush_timeout parameter is deprecated, please update your configuration to use queue.max_coalescing_delay instead');
  });
});
