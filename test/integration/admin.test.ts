// The Admin API over real HTTP: Kong's paths, documents and error shapes, and nothing half-written.
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { statSync } from 'node:fs';
import { startAdmin } from '../../src/admin/server.js';
import { openLmdbStore, openMemoryStore, type Store } from '../../src/store/index.js';
import { createLogger } from '../../src/log.js';
import { tempDir } from '../helpers/cli.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function admin(store: Store = openMemoryStore()) {
  const a = await startAdmin({ listen: { host: '127.0.0.1', port: 0 }, store, log: createLogger({ level: 'error' }), nodeId: '11111111-2222-4333-8444-555555555555', metrics: () => 'x_total 1\n' });
  cleanup.push(() => a.close());
  const base = `http://127.0.0.1:${a.address.port}`;
  const call = async (method: string, path: string, body?: unknown, type = 'application/json') => {
    const res = await fetch(base + path, { method, headers: body !== undefined ? { 'content-type': type } : {}, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? (() => { try { return JSON.parse(text); } catch { return text; } })() : null };
  };
  return { call, store };
}

describe('Admin API', () => {
  it('creates a service from the url shorthand with Kong\'s defaults, and reads it by id and name', async () => {
    const { call } = await admin();
    const created = await call('POST', '/services', { name: 'billing', url: 'https://billing.internal:8443/v1' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      name: 'billing', protocol: 'https', host: 'billing.internal', port: 8443, path: '/v1',
      retries: 5, connect_timeout: 60000, read_timeout: 60000, write_timeout: 60000, enabled: true, tags: null, tls_verify: null,
    });
    expect(created.json.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof created.json.created_at).toBe('number');
    expect((await call('GET', `/services/${created.json.id}`)).json.name).toBe('billing');
    expect((await call('GET', '/services/billing')).json.id).toBe(created.json.id);
    const patched = await call('PATCH', '/services/billing', { retries: 2 });
    expect(patched.json).toMatchObject({ retries: 2, host: 'billing.internal' });
  });

  it('answers bad input with Kong-shaped errors and writes nothing', async () => {
    const { call, store } = await admin();
    expect(await call('POST', '/services', '{"name": ', 'application/json')).toMatchObject({ status: 400, json: { message: 'Cannot parse JSON body' } });
    const missing = await call('POST', '/services', { name: 'x' });
    expect(missing).toMatchObject({ status: 400, json: { code: 2, name: 'schema violation', fields: { host: 'required field missing' } } });
    expect(missing.json.message).toBe('schema violation (host: required field missing)');
    const wrong = await call('POST', '/services', { host: 'a.test', port: 'eighty', colour: 'blue' });
    expect(wrong.json.fields).toEqual({ port: 'expected an integer', colour: 'unknown field' });
    expect(wrong.json.message).toMatch(/^2 schema violations/);
    expect((await call('POST', '/services', { host: 'a.test', port: 70000 })).json.fields).toEqual({ port: 'value should be between 0 and 65535' });
    expect((await call('POST', '/services', { host: 'a.test', protocol: 'gopher' })).json.fields.protocol).toMatch(/^expected one of: grpc, grpcs, http/);
    expect(store.counts().services).toBe(0);

    expect((await call('POST', '/services', { name: 'dup', host: 'a.test' })).status).toBe(201);
    const dup = await call('POST', '/services', { name: 'dup', host: 'b.test' });
    expect(dup).toMatchObject({ status: 409, json: { code: 5, name: 'unique constraint violation', fields: { name: 'dup' } } });
    const dangling = await call('POST', '/routes', { paths: ['/x'], service: { id: '3f1b1c8e-0000-4000-8000-000000000000' } });
    expect(dangling).toMatchObject({ status: 400, json: { code: 4, name: 'foreign key violation' } });
    expect(dangling.json.message).toBe(`the foreign key '{id="3f1b1c8e-0000-4000-8000-000000000000"}' does not reference an existing 'services' entity.`);
    expect((await call('POST', '/services', { host: 'c.test', protocol: 'https', client_certificate: { id: '3f1b1c8e-0000-4000-8000-000000000001' } })).json).toMatchObject({ code: 4, name: 'foreign key violation' });
    const noMatch = await call('POST', '/routes', { protocols: ['http'] });
    expect(noMatch.json.fields['@entity']).toEqual(["must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'"]);
    // Kong's cjson writes element errors as an array.
    expect((await call('POST', '/routes', { paths: ['x'] })).json.fields.paths).toEqual(['should start with: / (fixed path) or ~/ (regex path)']);
    expect((await call('POST', '/consumers', {})).json.fields['@entity']).toEqual(["at least one of these fields must be non-empty: 'custom_id', 'username'"]);
    expect(store.counts()).toMatchObject({ routes: 0, consumers: 0, services: 1 });
    expect(await call('GET', '/services/nope')).toMatchObject({ status: 404, json: { message: 'Not found' } });
    expect((await call('GET', '/nothing-here')).status).toBe(404);
  });

  it('PUT creates at a name or id, and replaces the whole entity (unset fields back to defaults)', async () => {
    const { call } = await admin();
    const created = await call('PUT', '/services/put-me', { host: 'a.test', retries: 9 });
    expect(created).toMatchObject({ status: 200, json: { name: 'put-me', host: 'a.test', retries: 9 } });
    const replaced = await call('PUT', '/services/put-me', { host: 'b.test' });
    expect(replaced.json).toMatchObject({ id: created.json.id, name: 'put-me', host: 'b.test', retries: 5, created_at: created.json.created_at });
    const byId = await call('PUT', '/consumers/0c4e1c2a-9f1e-4d8b-8a44-1d2f3e4a5b6c', { username: 'bob' });
    expect(byId.json).toMatchObject({ id: '0c4e1c2a-9f1e-4d8b-8a44-1d2f3e4a5b6c', username: 'bob' });
    expect((await call('PUT', '/services/put-me', { port: 'x' })).status).toBe(400);
    expect((await call('GET', '/services/put-me')).json.host).toBe('b.test');
  });

  it('nests routes under services and plugins under their scope; refuses to orphan routes', async () => {
    const { call } = await admin();
    await call('POST', '/services', { name: 's', host: 'up.test' });
    const r = await call('POST', '/services/s/routes', { name: 'r', paths: ['/a'], methods: ['GET'] });
    expect(r.status).toBe(201);
    expect(r.json.service).toEqual({ id: (await call('GET', '/services/s')).json.id });
    expect(r.json).toMatchObject({ protocols: ['http', 'https'], strip_path: true, preserve_host: false, regex_priority: 0, https_redirect_status_code: 426, path_handling: 'v0' });
    expect((await call('GET', '/services/s/routes')).json.data.map((x: { name: string }) => x.name)).toEqual(['r']);
    expect((await call('GET', '/routes/r/service')).json.name).toBe('s');
    expect((await call('POST', '/routes/r/plugins', { name: 'key-auth', config: { key_names: ['apikey'] } })).status).toBe(201);
    const del = await call('DELETE', '/services/s');
    expect(del).toMatchObject({ status: 400, json: { code: 4, message: "an existing 'routes' entity references this 'services' entity" } });
    expect((await call('DELETE', '/routes/r')).status).toBe(204);
    expect((await call('GET', '/plugins')).json.data).toEqual([]);
    expect((await call('DELETE', '/services/s')).status).toBe(204);
    expect((await call('DELETE', '/services/s')).status).toBe(204);
  });

  it('upstreams with targets (default port), Kong pagination with next/offset', async () => {
    const { call } = await admin();
    const upstream = await call('POST', '/upstreams', { name: 'pool' });
    expect(upstream.json).toMatchObject({ algorithm: 'round-robin', hash_on: 'none', slots: 10000, hash_on_cookie_path: '/', use_srv_name: false });
    expect(upstream.json.healthchecks.active.unhealthy.http_statuses).toEqual([429, 404, 500, 501, 502, 503, 504, 505]);
    expect(upstream.json.healthchecks.passive.unhealthy).toEqual({ http_statuses: [429, 500, 503], tcp_failures: 0, timeouts: 0, http_failures: 0 });
    const t = await call('POST', '/upstreams/pool/targets', { target: '10.0.0.1', weight: 50 });
    expect(t.json).toMatchObject({ target: '10.0.0.1:8000', weight: 50 });
    expect((await call('POST', '/upstreams/pool/targets', { target: '10.0.0.1:8000' })).status).toBe(409);
    for (let i = 0; i < 5; i++) await call('POST', '/consumers', { username: `u${i}` });
    const p1 = await call('GET', '/consumers?size=2');
    expect(p1.json.data.map((c: { username: string }) => c.username)).toEqual(['u0', 'u1']);
    expect(p1.json.next).toBe(`/consumers?offset=${encodeURIComponent(p1.json.offset)}&size=2`);
    const p3 = await call('GET', `/consumers?size=2&offset=${encodeURIComponent((await call('GET', p1.json.next)).json.offset)}`);
    expect(p3.json).toMatchObject({ next: null });
    expect(p3.json.data.map((c: { username: string }) => c.username)).toEqual(['u4']);
    expect((await call('GET', '/consumers?size=0')).status).toBe(400);
  });

  it('imports a nested declarative file atomically with stable ids, and exports it back', async () => {
    const { call, store } = await admin();
    const yaml = `_format_version: "3.0"\nservices:\n  - name: web\n    url: http://web.internal:8080\n    routes:\n      - name: web-root\n        paths: [/]\n    plugins:\n      - name: rate-limiting\n        config: { minute: 5 }\nupstreams:\n  - name: web.pool\n    targets:\n      - target: 10.1.0.1:80\n`;
    const first = await call('POST', '/config', yaml, 'application/yaml');
    expect(first.status).toBe(201);
    const id1 = (await call('GET', '/services/web')).json.id;
    expect((await call('POST', '/config', { config: yaml })).status).toBe(201);
    expect((await call('GET', '/services/web')).json.id).toBe(id1);
    expect(store.counts()).toMatchObject({ services: 1, routes: 1, plugins: 1, upstreams: 1, targets: 1 });
    const broken = await call('POST', '/config', { _format_version: '3.0', services: [{ name: 'a', host: 'a.test' }], routes: [{ name: 'r', paths: ['/'], service: 'missing' }] });
    expect(broken.status).toBe(400);
    expect(broken.json.name).toBe('invalid declarative configuration');
    expect(store.counts()).toMatchObject({ services: 1, routes: 1 });
    expect((await call('GET', '/services/web')).json.id).toBe(id1);
    expect((await call('POST', '/config', { services: [] })).json.fields._format_version).toBe('required field missing');
    const exported = await call('GET', '/config');
    expect(exported.json.config).toMatch(/_format_version: "3.0"/);
    expect((await call('POST', '/config', { config: exported.json.config })).status).toBe(201);
    expect((await call('GET', '/services/web')).json.id).toBe(id1);
  });

  it('exports the config_table data planes get: nulls, plain foreign ids, disabled services left out', async () => {
    const store = openMemoryStore();
    const { call } = await admin(store);
    await call('POST', '/services', { name: 'on', host: 'on.test' });
    await call('POST', '/services/on/routes', { name: 'r-on', hosts: ['on.test'] });
    await call('POST', '/services', { name: 'off', host: 'off.test', enabled: false });
    await call('POST', '/services/off/routes', { name: 'r-off', hosts: ['off.test'] });
    await call('POST', '/plugins', { name: 'cors', enabled: false });
    const t = await store.exportConfigTable();
    expect(t._format_version).toBe('3.0');
    expect(t._transform).toBe(false);
    const services = t.services as Record<string, unknown>[];
    expect(services.map((s) => s.name)).toEqual(['on']);
    expect(services[0]).toMatchObject({ path: null, tags: null, client_certificate: null });
    const routes = t.routes as Record<string, unknown>[];
    expect(routes.map((r) => r.name)).toEqual(['r-on']);
    expect(routes[0]!.service).toBe(services[0]!.id);
    expect(t.plugins).toBeUndefined();
  });

  it('serves /, /status, /metrics, /clustering with Kong\'s shapes', async () => {
    const { call, store } = await admin();
    expect((await call('GET', '/')).json).toMatchObject({ version: '3.10.0', node_id: '11111111-2222-4333-8444-555555555555' });
    expect((await call('GET', '/status')).json.database).toEqual({ reachable: true });
    expect((await call('GET', '/metrics')).json).toBe('x_total 1\n');
    const now = Math.floor(Date.now() / 1000);
    await store.upsertDataPlane({ id: 'd1', hostname: 'dp-a', ip: '10.0.0.9', last_seen: now, config_hash: 'a'.repeat(32), version: '3.10.0', sync_status: 'normal', labels: {}, cert_details: { expiry_timestamp: now + 1000 }, ttl: 60 });
    await store.upsertDataPlane({ id: 'd2', hostname: 'dp-old', ip: '10.0.0.8', last_seen: now - 120, config_hash: 'b'.repeat(32), version: '3.10.0', sync_status: 'normal', labels: {}, cert_details: { expiry_timestamp: 0 }, ttl: 60 });
    const dps = await call('GET', '/clustering/data-planes');
    expect(dps.json.next).toBeNull();
    expect(dps.json.data.map((d: { hostname: string }) => d.hostname)).toEqual(['dp-a']);
    const legacy = await call('GET', '/clustering/status');
    expect(legacy.headers.get('deprecation')).toBe('true');
    expect(legacy.json.d1).toMatchObject({ hostname: 'dp-a', config_hash: 'a'.repeat(32) });
  });

  it('keeps everything across a restart of the LMDB store', async () => {
    const dir = join(tempDir(), 'store');
    const s1 = await openLmdbStore(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const svc = await s1.insert('services', { name: 'keep', host: 'k.test' });
    await s1.insert('routes', { name: 'kr', paths: ['/k'], service: { name: 'keep' } });
    await s1.update('services', 'keep', { port: 8080 });
    await s1.insert('services', { name: 'later', host: 'l.test' });
    const before = await s1.exportConfigTable();
    await s1.close();
    const s2 = await openLmdbStore(dir);
    cleanup.push(() => s2.close());
    expect(await s2.exportConfigTable()).toEqual(before);
    expect((await s2.get('services', svc.id as string))!.port).toBe(8080);
    expect((await s2.list('services')).data.map((s) => s.name)).toEqual(['keep', 'later']);
  });
});
