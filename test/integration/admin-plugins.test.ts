// The Admin API's plugin side over real HTTP: plugin configs checked with each plugin's own schema,
// credentials as Kong's entities (nested under consumers and at the top level), plugin schemas.
import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { startAdmin } from '../../src/admin/server.js';
import { openMemoryStore } from '../../src/store/index.js';
import { createLogger } from '../../src/log.js';
import { nodePlugins } from '../../src/plugins/catalogue.js';
import { enabledPlugins } from '../../src/plugins/enabled.js';
import { BUNDLED } from '../../src/plugins/registry.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function admin(pluginsConf = 'bundled') {
  const plugins = nodePlugins(enabledPlugins(pluginsConf, BUNDLED).modules, 'control_plane');
  const store = openMemoryStore(plugins);
  const a = await startAdmin({ listen: { host: '127.0.0.1', port: 0 }, store, log: createLogger({ level: 'error' }), nodeId: '11111111-2222-4333-8444-555555555555', plugins });
  cleanup.push(() => a.close());
  const base = `http://127.0.0.1:${a.address.port}`;
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, { method, headers: body !== undefined ? { 'content-type': 'application/json' } : {}, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  };
}

describe('Admin API: plugins', () => {
  // spec/02-integration/03-db/03-plugins_spec.lua, it("checks composite uniqueness") (:insert() and :update()).
  it('refuses a second plugin of one name on the same route, service and consumer, in Kong\'s words', async () => {
    const call = await admin();
    await call('POST', '/services', { name: 's', url: 'http://127.0.0.1:9' });
    const route = await call('POST', '/services/s/routes', { name: 'r', paths: ['/r'] });
    expect((await call('POST', '/routes/r/plugins', { name: 'key-auth' })).status).toBe(201);
    const dup = await call('POST', '/plugins', { name: 'key-auth', route: { id: route.json.id } });
    expect(dup.status).toBe(409);
    expect(dup.json).toEqual({
      code: 5,
      name: 'unique constraint violation',
      message: `UNIQUE violation detected on '{consumer=null,name="key-auth",route={id="${route.json.id as string}"},service=null}'`,
      fields: { consumer: null, name: 'key-auth', route: { id: route.json.id }, service: null },
    });
    // Another scope, or another name, is another key.
    expect((await call('POST', '/services/s/plugins', { name: 'key-auth' })).status).toBe(201);
    expect((await call('POST', '/plugins', { name: 'key-auth' })).status).toBe(201);
    expect((await call('POST', '/plugins', { name: 'key-auth' })).status).toBe(409);
    expect((await call('POST', '/routes/r/plugins', { name: 'cors' })).status).toBe(201);
    await call('POST', '/services/s/routes', { name: 'r2', paths: ['/r2'] });
    const other = await call('POST', '/routes/r2/plugins', { name: 'key-auth' });
    expect(other.status).toBe(201);
    // An update onto a taken key is refused too; the plugin updating itself is not a duplicate.
    expect((await call('PATCH', `/plugins/${other.json.id as string}`, { route: { id: route.json.id } })).status).toBe(409);
    expect((await call('PATCH', `/plugins/${other.json.id as string}`, { enabled: false })).status).toBe(200);
  });

  it("fills a plugin's config with its defaults and refuses what its schema refuses, in Kong's words", async () => {
    const call = await admin();
    const ok = await call('POST', '/plugins', { name: 'cors', config: { origins: ['https://a.example'] } });
    expect(ok.status).toBe(201);
    expect(ok.json.config).toMatchObject({ origins: ['https://a.example'], credentials: false, preflight_continue: false });
    expect(ok.json.protocols).toEqual(['grpc', 'grpcs', 'http', 'https']);

    const bad = await call('POST', '/plugins', { name: 'key-auth', config: { key_names: 'apikey', nope: true } });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({
      code: 2, name: 'schema violation',
      message: '2 schema violations (config.key_names: expected an array; config.nope: unknown field)',
      fields: { config: { key_names: 'expected an array', nope: 'unknown field' } },
    });
    const limits = await call('POST', '/plugins', { name: 'rate-limiting', config: {} });
    expect(limits.json.fields['@entity']).toEqual(["at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year'"]);
    const patched = await call('PATCH', `/plugins/${ok.json.id}`, { config: { max_age: 'soon' } });
    expect(patched.status).toBe(400);
    expect(patched.json.fields).toEqual({ config: { max_age: 'expected a number' } });
  });

  it('a plugin left out of kong.conf plugins is refused though hybridctl has it', async () => {
    const call = await admin('key-auth');
    expect((await call('POST', '/plugins', { name: 'key-auth' })).status).toBe(201);
    const r = await call('POST', '/plugins', { name: 'cors' });
    expect(r.json.fields).toEqual({ name: "plugin 'cors' not enabled; add it to the 'plugins' configuration property" });
    expect((await call('GET', '/plugins/enabled')).json).toEqual({ enabled_plugins: ['key-auth'] });
    expect((await call('GET', '/schemas/plugins/cors')).status).toBe(404);
  });

  it('GET /schemas/plugins/{name} in Kong\'s format; POST /schemas/plugins/validate checks without storing', async () => {
    const call = await admin();
    const s = await call('GET', '/schemas/plugins/rate-limiting');
    expect(s.status).toBe(200);
    const config = s.json.fields.find((f: Record<string, unknown>) => f.config).config;
    expect(config.type).toBe('record');
    expect(config.fields.find((f: Record<string, unknown>) => f.policy).policy).toEqual({ type: 'string', default: 'local', one_of: ['local', 'redis'] });
    expect(s.json.fields.find((f: Record<string, unknown>) => f.consumer).consumer).toMatchObject({ type: 'foreign', reference: 'consumers' });
    expect((await call('GET', '/schemas/plugins/nope')).json).toEqual({ message: "No plugin named 'nope'" });
    expect(await call('POST', '/schemas/plugins/validate', { name: 'rate-limiting', config: { minute: 5 } })).toEqual({ status: 200, json: { message: 'schema validation successful' } });
    expect((await call('POST', '/schemas/plugins/validate', { name: 'rate-limiting', config: { minute: -1 } })).json.fields).toEqual({ config: { minute: 'value must be greater than 0' } });
    expect((await call('GET', '/plugins')).json.data).toEqual([]);
  });

  it('credentials: nested under consumers and at the top level, basic-auth passwords stored hashed, removed with their consumer', async () => {
    const call = await admin();
    const bob = (await call('POST', '/consumers', { username: 'bob' })).json;
    const key = await call('POST', '/consumers/bob/key-auth', {});
    expect(key.status).toBe(201);
    expect(key.json).toMatchObject({ consumer: { id: bob.id } });
    expect(key.json.key).toMatch(/^[0-9a-f]{32}$/);
    expect((await call('GET', `/key-auths/${key.json.key}`)).json.id).toBe(key.json.id);
    expect((await call('POST', '/key-auths', { key: 'k2' })).json.fields).toEqual({ consumer: 'required field missing' });
    expect((await call('POST', '/consumers/bob/key-auth', { key: key.json.key })).status).toBe(409);

    const basic = await call('POST', '/consumers/bob/basic-auth', { username: 'bob', password: 'kong' });
    expect(basic.status).toBe(201);
    expect(basic.json.password).toBe(createHash('sha1').update(`kong${bob.id}`).digest('hex'));
    expect((await call('GET', '/basic-auths')).json.data).toHaveLength(1);
    expect((await call('POST', '/consumers/bob/acls', { group: 'admins' })).status).toBe(201);
    expect((await call('POST', '/consumers/bob/acls', { group: 'admins' })).status).toBe(409);
    expect((await call('POST', '/consumers/bob/jwt', { key: 'bob5', algorithm: 'RS256' })).json.fields).toEqual({
      rsa_public_key: 'required field missing', '@entity': ["failed conditional validation given value of field 'algorithm'"],
    });
    expect((await call('POST', '/consumers/bob/hmac-auth', { username: 'bob-hmac' })).json.secret).toMatch(/^[0-9a-f]{32}$/);
    // Table names are not Admin API paths in Kong.
    expect((await call('GET', '/keyauth_credentials')).status).toBe(404);

    expect((await call('DELETE', '/consumers/bob')).status).toBe(204);
    for (const p of ['/key-auths', '/basic-auths', '/acls', '/hmac-auths', '/jwts']) expect((await call('GET', p)).json.data).toEqual([]);
  });
});
