// The Admin API's route handling as Kong answers it, over real HTTP: OPTIONS and HEAD, CORS headers,
// foreign keys that do not resolve or are malformed, and route defaults per protocol. Cases ported
// from spec/02-integration/04-admin_api/02-kong_routes_spec.lua and 09-routes_routes_spec.lua cite it().
import { describe, expect, it } from 'vitest';
import { adminBase } from '../helpers/admin.js';

async function admin() {
  const base = await adminBase();
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(base + path, { method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : null };
  };
}

const PROTOCOLS_MSG = 'expected one of: grpc, grpcs, http, https, tcp, tls, tls_passthrough, udp';

describe('OPTIONS, HEAD and CORS', () => {
  // 02-kong_routes_spec.lua: it("returns headers with OPTIONS method") — OPTIONS / answers 204 with the route's methods
  it("answers OPTIONS with 204 and the route's methods, as Kong's attach_routes does", async () => {
    const call = await admin();
    const root = await call('OPTIONS', '/');
    expect(root.status).toBe(204);
    expect(root.text).toBe('');
    expect(root.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(root.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS');
    expect(root.headers.get('access-control-allow-headers')).toBe('Content-Type');
    expect(root.headers.get('access-control-allow-origin')).toBe('*');
    expect(root.headers.get('x-kong-admin-latency')).not.toBeNull();
    // 09-routes_routes_spec.lua: OPTIONS /routes and OPTIONS /routes/test
    expect((await call('OPTIONS', '/routes')).headers.get('allow')).toBe('GET, HEAD, OPTIONS, POST');
    expect((await call('OPTIONS', '/routes/test')).headers.get('allow')).toBe('DELETE, GET, HEAD, OPTIONS, PATCH, PUT');
    expect((await call('OPTIONS', '/consumers/bob/key-auth')).headers.get('allow')).toBe('GET, HEAD, OPTIONS, POST');
    expect((await call('OPTIONS', '/schemas/services/validate')).headers.get('allow')).toBe('OPTIONS, POST');
    expect((await call('OPTIONS', '/config')).headers.get('allow')).toBe('GET, HEAD, OPTIONS, POST');
  });

  // 02-kong_routes_spec.lua: it("returns 404 with OPTIONS")
  it('answers OPTIONS on a path no route has with 404', async () => {
    const call = await admin();
    expect(await call('OPTIONS', '/non-existing')).toMatchObject({ status: 404, json: { message: 'Not found' } });
  });

  it('echoes the requested headers and the Origin, with credentials allowed', async () => {
    const call = await admin();
    const r = await call('OPTIONS', '/services', undefined, { origin: 'https://ui.example', 'access-control-request-headers': 'X-Custom, Content-Type' });
    expect(r.headers.get('access-control-allow-headers')).toBe('X-Custom, Content-Type');
    expect(r.headers.get('access-control-allow-origin')).toBe('https://ui.example');
    expect(r.headers.get('access-control-allow-credentials')).toBe('true');
    const get = await call('GET', '/services', undefined, { origin: 'https://ui.example' });
    expect(get.headers.get('access-control-allow-origin')).toBe('https://ui.example');
  });

  it('answers HEAD wherever GET is answered, without a body', async () => {
    const call = await admin();
    await call('POST', '/services', { name: 's', host: 'a.test' });
    const head = await call('HEAD', '/services/s');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect((await call('HEAD', '/services/nope')).status).toBe(404);
  });
});

describe('routes and their service reference', () => {
  // 09-routes_routes_spec.lua: it_content_types("handles invalid input") — "Invalid foreign entity reference"
  it("refuses a service named but not found with Kong's code 13, and stores nothing", async () => {
    const call = await admin();
    const r = await call('POST', '/routes', { methods: ['GET'], service: { name: 'non-existing' } });
    expect(r).toMatchObject({ status: 400 });
    expect(r.json).toEqual({
      code: 13,
      name: 'foreign keys unresolved',
      message: `foreign key unresolved (service.name: the foreign key cannot be resolved with '{name="non-existing"}' for an existing 'services' entity)`,
      fields: { service: { name: `the foreign key cannot be resolved with '{name="non-existing"}' for an existing 'services' entity` } },
    });
    expect((await call('GET', '/routes')).json.data).toEqual([]);
  });

  // 09-routes_routes_spec.lua: it_content_types("creates a complex route by referencing a service by name")
  it('resolves a service given by name to its id', async () => {
    const call = await admin();
    const s = await call('POST', '/services', { name: 'svc', host: 'a.test' });
    const r = await call('POST', '/routes', { paths: ['/foo'], service: { name: 'svc' } });
    expect(r.status).toBe(201);
    expect(r.json.service).toEqual({ id: s.json.id });
  });

  // 09-routes_routes_spec.lua: it_content_types("handles invalid input") — "Invalid parameter" and "Invalid foreign entity"
  it('checks a malformed service reference as the service it would be, with arrays for element errors', async () => {
    const call = await admin();
    const p = await call('POST', '/routes', { methods: ['GET'], protocols: ['foo', 'http'] });
    expect(p.json).toEqual({ code: 2, name: 'schema violation', message: `schema violation (protocols.1: ${PROTOCOLS_MSG})`, fields: { protocols: [PROTOCOLS_MSG] } });
    const f = await call('POST', '/routes', { methods: ['GET'], protocols: ['foo', 'http'], service: { protocol: 'foo' } });
    expect(f.json.fields).toEqual({ protocols: [PROTOCOLS_MSG], service: { protocol: PROTOCOLS_MSG } });
    expect(f.json.message).toBe(`2 schema violations (protocols.1: ${PROTOCOLS_MSG}; service.protocol: ${PROTOCOLS_MSG})`);
  });

  it('refuses a service reference without a usable key, never storing the route', async () => {
    const call = await admin();
    expect((await call('POST', '/routes', { paths: ['/'], service: {} })).json.fields).toEqual({ service: { id: 'missing primary key' } });
    expect((await call('POST', '/routes', { paths: ['/'], service: { id: 'not-a-uuid' } })).json.fields).toEqual({ service: { id: 'expected a valid UUID' } });
    expect((await call('POST', '/routes', { paths: ['/'], service: { nope: 1 } })).json.fields).toEqual({ service: { nope: 'unknown field' } });
    expect((await call('POST', '/routes', { paths: ['/'], service: 'svc' })).json.fields).toEqual({ service: 'expected a record' });
    const missing = await call('POST', '/routes', { paths: ['/'], service: { id: '5a4e7bd6-8e0d-4c3f-9d2b-2f1e6c0a9b11' } });
    expect(missing.json).toMatchObject({ code: 4, name: 'foreign key violation' });
    expect((await call('GET', '/routes')).json.data).toEqual([]);
  });
});

describe('route defaults and rules per protocol (routes_subschemas.lua)', () => {
  // 09-routes_routes_spec.lua: it_content_types("creates a route #grpc")
  it('gives grpc routes strip_path false', async () => {
    const call = await admin();
    const r = await call('POST', '/routes', { protocols: ['grpc', 'grpcs'], hosts: ['my.route.test'] });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ strip_path: false, preserve_host: false, paths: null, protocols: ['grpc', 'grpcs'] });
    expect((await call('POST', '/routes', { protocols: ['http'], hosts: ['h.test'] })).json.strip_path).toBe(true);
  });

  it("refuses what a grpc route cannot have, in Kong's words", async () => {
    const call = await admin();
    const r = await call('POST', '/routes', { protocols: ['grpc'], hosts: ['h.test'], strip_path: true, methods: ['GET'] });
    expect(r.json.fields).toEqual({ strip_path: "cannot set 'strip_path' when 'protocols' is 'grpc' or 'grpcs'", methods: "cannot set 'methods' when 'protocols' is 'grpc' or 'grpcs'" });
    expect((await call('POST', '/routes', { protocols: ['grpcs'] })).json.fields).toEqual({ '@entity': ["must set one of 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'grpcs'"] });
    expect((await call('POST', '/routes', { protocols: ['grpc'] })).json.fields).toEqual({ '@entity': ["must set one of 'hosts', 'headers', 'paths' when 'protocols' is 'grpc'"] });
  });

  it('refuses HTTP fields on stream routes and mixed protocol families', async () => {
    const call = await admin();
    expect((await call('POST', '/routes', { protocols: ['tcp'], paths: ['/'], sources: [{ ip: '10.0.0.1' }] })).json.fields).toEqual({ paths: "cannot set 'paths' when 'protocols' is 'tcp', 'tls', 'tls_passthrough' or 'udp'" });
    expect((await call('POST', '/routes', { protocols: ['tcp'], sources: [{ ip: '10.0.0.300' }, { port: 70000 }, {}] })).json.fields).toEqual({
      sources: [{ ip: "invalid ip or cidr range: '10.0.0.300'" }, { port: 'value should be between 0 and 65535' }, { '@entity': ["at least one of these fields must be non-empty: 'ip', 'port'"] }],
    });
    expect((await call('POST', '/routes', { protocols: ['tcp'], sources: [{ ip: '10.0.0.0/8', port: 80 }] })).status).toBe(201);
    expect((await call('POST', '/routes', { protocols: ['tcp'] })).json.fields).toEqual({ '@entity': ["must set one of 'sources', 'destinations', 'snis' when 'protocols' is 'tcp', 'tls' or 'udp'"] });
    expect((await call('POST', '/routes', { protocols: ['tls_passthrough'] })).json.fields).toEqual({ '@entity': ["must set snis when 'protocols' is 'tls_passthrough'"] });
    expect((await call('POST', '/routes', { protocols: ['http'], paths: ['/'], sources: [{ ip: '10.0.0.1' }] })).json.fields).toEqual({ sources: "cannot set 'sources' when 'protocols' is 'http' or 'https'" });
    expect((await call('POST', '/routes', { protocols: ['http', 'grpc'], paths: ['/'] })).json.fields).toEqual({ protocols: "these sets are mutually exclusive: ('http', 'https'), ('grpc', 'grpcs')" });
    expect((await call('POST', '/routes', { protocols: ['ws'], paths: ['/'] })).json.fields).toEqual({ protocols: [PROTOCOLS_MSG] });
  });
});
