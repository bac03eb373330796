// What decK (go-kong underneath) asks of the Admin API, over real HTTP: /schemas/{entity} in Kong's
// format and its validate endpoint, Kong's paging and tag filters, /tags, and the collections decK
// lists. Cases ported from Kong's spec/02-integration/04-admin_api/*_spec.lua cite file and it().
import { describe, expect, it } from 'vitest';
import { adminBase } from '../helpers/admin.js';
import { SCHEMAS } from '../../src/entities/index.js';

async function admin() {
  const base = await adminBase();
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, { method, headers: body !== undefined ? { 'content-type': 'application/json' } : {}, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : null };
  };
}

type Fields = Record<string, Record<string, unknown>>[];
const field = (fields: Fields, name: string) => fields.find((f) => Object.keys(f)[0] === name)?.[name];
const names = (fields: Fields) => fields.map((f) => Object.keys(f)[0]);
const withoutNulls = (v: unknown): unknown =>
  v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, withoutNulls(x)])) : v;

const ENTITIES = ['services', 'routes', 'upstreams', 'targets', 'consumers', 'plugins', 'keyauth_credentials', 'basicauth_credentials', 'hmacauth_credentials', 'jwt_secrets', 'acls', 'certificates', 'snis', 'ca_certificates'];

describe('GET /schemas/{entity}', () => {
  // 02-kong_routes_spec.lua: it("returns the schema of all DB entities")
  it('answers every entity with fields as an ordered list of one-key objects and entity_checks', async () => {
    const call = await admin();
    for (const e of ENTITIES) {
      const r = await call('GET', `/schemas/${e}`);
      expect(r.status, e).toBe(200);
      expect(Array.isArray(r.json.fields), e).toBe(true);
      expect(Array.isArray(r.json.entity_checks), e).toBe(true);
      for (const f of r.json.fields) expect(Object.keys(f), e).toHaveLength(1);
    }
  });

  // 02-kong_routes_spec.lua: it("returns 404 on a missing entity")
  it("answers an unknown entity with Kong's 404", async () => {
    const call = await admin();
    expect(await call('GET', '/schemas/not-present')).toMatchObject({ status: 404, json: { message: "No entity named 'not-present'" } });
    expect(await call('POST', '/schemas/not-present/validate', {})).toMatchObject({ status: 404, json: { message: "No entity named 'not-present'" } });
  });

  // 02-kong_routes_spec.lua: it("does not return schema of a foreign key")
  it('gives foreign keys without the referenced schema', async () => {
    const call = await admin();
    const routes = (await call('GET', '/schemas/routes')).json.fields as Fields;
    expect(field(routes, 'service')).toEqual({ type: 'foreign', reference: 'services' });
  });

  it("lists services' fields in Kong's order with Kong's types, defaults and limits", async () => {
    const call = await admin();
    const s = (await call('GET', '/schemas/services')).json.fields as Fields;
    expect(names(s)).toEqual(['id', 'created_at', 'updated_at', 'name', 'retries', 'protocol', 'host', 'port', 'path', 'connect_timeout', 'write_timeout', 'read_timeout', 'tags', 'client_certificate', 'tls_verify', 'tls_verify_depth', 'ca_certificates', 'enabled']);
    expect(field(s, 'id')).toEqual({ type: 'string', uuid: true, auto: true });
    expect(field(s, 'protocol')).toEqual({ type: 'string', required: true, default: 'http', one_of: ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'tls_passthrough', 'udp'] });
    expect(field(s, 'port')).toEqual({ type: 'integer', required: true, default: 80, between: [0, 65535] });
    expect(field(s, 'connect_timeout')).toEqual({ type: 'integer', default: 60000, between: [1, 2147483646] });
    // An explicit null default is serialized, as cjson writes ngx.null.
    expect(field(s, 'tls_verify_depth')).toEqual({ type: 'integer', default: null, between: [0, 64] });
    expect(field(s, 'tags')).toEqual({ type: 'set', elements: { type: 'string', required: true } });
  });

  it('nests records: upstreams.healthchecks with every default, records required as Entity.new makes them', async () => {
    const call = await admin();
    const u = (await call('GET', '/schemas/upstreams')).json.fields as Fields;
    const hc = field(u, 'healthchecks') as { required: boolean; fields: Fields; default: { active: Record<string, unknown> } };
    expect(hc.required).toBe(true);
    expect(names(hc.fields)).toEqual(['active', 'passive', 'threshold']);
    const active = field(hc.fields, 'active') as { fields: Fields; required: boolean };
    expect(active.required).toBe(true);
    expect(field(active.fields, 'https_sni')).toEqual({ type: 'string', required: false });
    const unhealthy = field(active.fields, 'unhealthy') as { fields: Fields };
    expect(field(unhealthy.fields, 'http_statuses')).toEqual({ type: 'array', elements: { type: 'integer', between: [100, 999] }, default: [429, 404, 500, 501, 502, 503, 504, 505] });
    // Kong drops the fields without a default from the record's default (NO_DEFAULT).
    expect(hc.default.active).not.toHaveProperty('https_sni');
    expect(hc.default.active).toMatchObject({ type: 'http', timeout: 1, concurrency: 10, http_path: '/' });
  });

  it("gives routes traditional_compatible's checks and grpc-free defaults as Kong 3.10 does", async () => {
    const call = await admin();
    const r = (await call('GET', '/schemas/routes')).json;
    expect(field(r.fields, 'protocols')).toMatchObject({ type: 'set', len_min: 1, required: true, default: ['http', 'https'] });
    expect(field(r.fields, 'https_redirect_status_code')).toEqual({ type: 'integer', one_of: [426, 301, 302, 307, 308], default: 426, required: true });
    expect(r.entity_checks[0].conditional.then_err).toBe("'snis' can only be set when 'protocols' is 'grpcs', 'https', 'tls' or 'tls_passthrough'");
    expect(r.entity_checks.at(-1)).toMatchObject({ custom_entity_check: { run_with_missing_fields: true } });
  });

  it('agrees with the schemas hybridctl validates with: same fields, types and defaults', async () => {
    const call = await admin();
    for (const e of ENTITIES) {
      const kong = (await call('GET', `/schemas/${e}`)).json.fields as Fields;
      const ours = SCHEMAS[e]!.fields;
      expect(names(kong).sort(), e).toEqual(Object.keys(ours).sort());
      for (const [k, f] of Object.entries(ours)) {
        const kf = field(kong, k);
        if (!kf) continue;
        expect(kf.type, `${e}.${k}`).toBe(f.type === 'foreign' ? 'foreign' : f.type);
        // A record's row default also holds what its sub-fields default to (healthchecks.threshold) and
        // unset sub-fields as null (active.https_sni); Kong's record default holds the rest, equal.
        // plugins.config is abstract in Kong: each plugin's schema gives its defaults.
        if (f.type === 'record') {
          if (kf.default !== undefined) expect(withoutNulls(f.default), `${e}.${k}`).toMatchObject(kf.default as object);
        } else if (f.default !== undefined && !f.auto) expect(kf.default, `${e}.${k}`).toEqual(f.default);
      }
    }
  });
});

describe('POST /schemas/{entity}/validate', () => {
  // 02-kong_routes_spec.lua: it("returns 200 on a valid schema")
  it('answers a valid service with schema validation successful, and stores nothing', async () => {
    const call = await admin();
    expect(await call('POST', '/schemas/services/validate', { host: 'example.com' })).toMatchObject({ status: 200, json: { message: 'schema validation successful' } });
    expect((await call('GET', '/services')).json).toEqual({ data: [], next: null });
  });

  it('answers an invalid entity with the schema violation Kong would store it with', async () => {
    const call = await admin();
    const r = await call('POST', '/schemas/services/validate', { host: 'example.com', port: 70000 });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ code: 2, name: 'schema violation', message: 'schema violation (port: value should be between 0 and 65535)', fields: { port: 'value should be between 0 and 65535' } });
    const c = await call('POST', '/schemas/consumers/validate', {});
    expect(c.json.fields).toEqual({ '@entity': ["at least one of these fields must be non-empty: 'custom_id', 'username'"] });
    expect((await call('GET', '/schemas/services/validate')).status).toBe(405);
  });
});

describe('record fields given in part', () => {
  it("fills upstreams.healthchecks as Kong does: defaults on create (threshold too), stored values on update", async () => {
    const call = await admin();
    const u = await call('POST', '/upstreams', { name: 'pool', healthchecks: { active: { healthy: { interval: 5 } } } });
    expect(u.status).toBe(201);
    expect(u.json.healthchecks.threshold).toBe(0);
    expect(u.json.healthchecks.active.healthy).toEqual({ interval: 5, http_statuses: [200, 302], successes: 0 });
    expect(u.json.healthchecks.active.https_sni).toBeNull();
    expect(u.json.healthchecks.passive.unhealthy.http_statuses).toEqual([429, 500, 503]);
    const p = await call('PATCH', '/upstreams/pool', { healthchecks: { active: { timeout: 3 } } });
    expect(p.json.healthchecks.active).toMatchObject({ timeout: 3, healthy: { interval: 5 } });
  });
});

describe('lists: size, offset and next', () => {
  async function services(n: number) {
    const call = await admin();
    for (let i = 0; i < n; i++) await call('POST', '/services', { name: `s${i}`, host: 'example.com' });
    return call;
  }

  // 10-services_routes_spec.lua: it("paginates a set")
  it('pages 10 services by 3 into 3, 3, 3 and 1, every page different', async () => {
    const call = await services(10);
    const seen: string[] = [];
    let offset: string | undefined;
    for (let i = 1; i <= 4; i++) {
      const r = await call('GET', `/services?size=3${offset ? `&offset=${encodeURIComponent(offset)}` : ''}`);
      expect(r.json.data).toHaveLength(i < 4 ? 3 : 1);
      seen.push(...r.json.data.map((s: { name: string }) => s.name));
      offset = r.json.offset;
    }
    expect(offset).toBeUndefined();
    expect(new Set(seen).size).toBe(10);
  });

  // 10-services_routes_spec.lua: it("propagate in next a page size")
  it("builds next as Kong does: the escaped offset, then size", async () => {
    const call = await services(4);
    const r = await call('GET', '/services?size=3');
    expect(r.json.next).toBe(`/services?offset=${encodeURIComponent(r.json.offset)}&size=3`);
    const second = await call('GET', r.json.next);
    expect(second.json).toMatchObject({ next: null });
    expect(second.json.data).toHaveLength(1);
  });

  // 10-services_routes_spec.lua: it("data property is an empty array and not an empty hash")
  it('answers an empty collection with data [] and next null, and no offset', async () => {
    const call = await admin();
    const r = await call('GET', '/services');
    expect(r.text).toContain('"data":[]');
    expect(r.json).toEqual({ data: [], next: null });
  });

  // 10-services_routes_spec.lua: it("handles invalid filters")
  it('ignores unknown query arguments', async () => {
    const call = await admin();
    expect((await call('GET', '/services?foo=bar')).json).toEqual({ data: [], next: null });
  });

  it("refuses a bad size or offset with Kong's codes and messages", async () => {
    const call = await services(2);
    expect(await call('GET', '/services?size=abc')).toMatchObject({ status: 400, json: { code: 9, name: 'invalid size', message: 'size must be a number' } });
    for (const s of ['0', '1001', '2.5', '-1']) {
      expect(await call('GET', `/services?size=${s}`), s).toMatchObject({ status: 400, json: { code: 9, name: 'invalid size', message: 'size must be an integer between 1 and 1000' } });
    }
    expect((await call('GET', '/services?size=1000')).status).toBe(200);
    expect(await call('GET', '/services?offset=%25%25%25')).toMatchObject({ status: 400, json: { code: 7, name: 'invalid offset', message: "'%%%' is not a valid offset: bad base64 encoding" } });
    expect(await call('GET', '/services?offset=aGVsbG8')).toMatchObject({ status: 400, json: { code: 7, message: "'aGVsbG8' is not a valid offset: bad json encoding" } });
  });

  it('keeps paging when the row an offset points at was deleted in between', async () => {
    const call = await services(5);
    const p1 = await call('GET', '/services?size=2');
    expect((await call('DELETE', '/services/s1')).status).toBe(204);
    const p2 = await call('GET', `/services?size=2&offset=${encodeURIComponent(p1.json.offset)}`);
    expect(p2.json.data.map((s: { name: string }) => s.name)).toEqual(['s3', 's4']);
  });

  it('pages nested lists, whose next carries only the offset', async () => {
    const call = await admin();
    await call('POST', '/upstreams', { name: 'pool' });
    for (let i = 1; i <= 3; i++) await call('POST', '/upstreams/pool/targets', { target: `10.0.0.${i}:80` });
    const r = await call('GET', '/upstreams/pool/targets?size=2');
    expect(r.json.data).toHaveLength(2);
    expect(r.json.next).toBe(`/upstreams/pool/targets?offset=${encodeURIComponent(r.json.offset)}`);
    expect((await call('GET', r.json.next)).json.data).toHaveLength(1);
  });
});

describe('lists: tags', () => {
  // 14-tags_spec.lua: consumers tagged { "corp_ a", "consumer_ "..i, "🦍" }, a file-log… plugin each
  async function tagged() {
    const call = await admin();
    for (let i = 1; i <= 2; i++) {
      const c = await call('POST', '/consumers', { username: `adminapi-filter-by-tag-${i}`, tags: ['corp_ a', `consumer_ ${i}`, '🦍'] });
      expect(c.status).toBe(201);
      await call('POST', `/consumers/${c.json.id}/acls`, { group: 'g', tags: ['corp_ a', `consumer_ ${i}`] });
    }
    return call;
  }
  const count = async (call: Awaited<ReturnType<typeof admin>>, path: string) => (await call('GET', path)).json.data.length;

  // 14-tags_spec.lua: it("filter by single tag"), it("filter by single unicode tag")
  it('filters by one tag, unicode included', async () => {
    const call = await tagged();
    expect(await count(call, '/consumers?tags=corp_%20a')).toBe(2);
    expect(await count(call, `/consumers?tags=${encodeURIComponent('🦍')}`)).toBe(2);
  });

  // 14-tags_spec.lua: it("filter by empty tag"), it("filter by empty string tag")
  it("refuses an empty tags filter, and a tag of two quotes matches nothing", async () => {
    const call = await tagged();
    expect(await call('GET', '/consumers?tags=')).toMatchObject({ status: 400, json: { code: 11, name: 'invalid options', message: 'invalid option (tags: cannot be null)', options: { tags: 'cannot be null' } } });
    expect(await count(call, "/consumers?tags=''")).toBe(0);
  });

  // 14-tags_spec.lua: it("filter by multiple tags with AND"), it("filter by multiple tags with OR")
  it('a,b needs all the tags, a/b any of them', async () => {
    const call = await tagged();
    const and = await call('GET', '/consumers?tags=corp_%20a,consumer_%201');
    expect(and.json.data.map((c: { username: string }) => c.username)).toEqual(['adminapi-filter-by-tag-1']);
    expect(await count(call, '/consumers?tags=consumer_%202/consumer_%201')).toBe(2);
  });

  // 14-tags_spec.lua: it("ignores tags when filtering by multiple filters #6779")
  it('a nested list ignores the tags filter', async () => {
    const call = await tagged();
    const r = await call('GET', '/consumers/adminapi-filter-by-tag-1/acls?tags=consumer_%202');
    expect(r.json.data).toHaveLength(1);
    expect(r.json.data[0].tags).toContain('consumer_ 1');
  });

  // 14-tags_spec.lua: it("errors if filter by mix of AND and OR")
  it("refuses a mix of , and / as invalid filter syntax", async () => {
    const call = await tagged();
    for (const q of ['consumer_%203,consumer_%202/consumer_%201', 'consumer_%203/consumer_%202,consumer_%201']) {
      expect(await call('GET', `/consumers?tags=${q}`)).toMatchObject({ status: 400, json: { message: 'invalid option (tags: invalid filter syntax)' } });
    }
  });

  it('refuses more than 5 tags', async () => {
    const call = await tagged();
    expect((await call('GET', '/consumers?tags=a,b,c,d,e')).status).toBe(200);
    expect(await call('GET', '/consumers?tags=a,b,c,d,e,f')).toMatchObject({ status: 400, json: { message: 'invalid option (tags: cannot query more than 5 tags)' } });
  });

  // 14-tags_spec.lua: it("returns the correct 'next' arg")
  it('carries the tags filter into next', async () => {
    const call = await tagged();
    const r = await call('GET', '/consumers?tags=corp_%20a&size=1');
    expect(r.json.data).toHaveLength(1);
    expect(r.json.next).toContain('tags=corp_%20a');
    expect((await call('GET', r.json.next)).json.data[0].username).toBe('adminapi-filter-by-tag-2');
  });

  // 14-tags_spec.lua: it("/tags"), it("/tags/:tags"), it("/tags/:tags with a not exist tag")
  it("answers /tags and /tags/{tag} with Kong's tag rows", async () => {
    const call = await tagged();
    const all = await call('GET', '/tags');
    expect(all.json.data).toHaveLength(10);
    expect(all.json.data).toContainEqual({ entity_name: 'consumers', entity_id: expect.any(String), tag: '🦍' });
    const one = await call('GET', '/tags/corp_%20a');
    expect(one.json.data.map((r: { entity_name: string }) => r.entity_name).sort()).toEqual(['acls', 'acls', 'consumers', 'consumers']);
    expect((await call('GET', '/tags/does-not-exist')).json).toEqual({ data: [], next: null });
    const paged = await call('GET', '/tags/corp_%20a?size=3');
    expect(paged.json.next).toBe(`/tags/corp_%20a?offset=${encodeURIComponent(paged.json.offset)}`);
    expect((await call('GET', paged.json.next)).json.data).toHaveLength(1);
  });

  // 14-tags_spec.lua: it("/tags ignores ?tags= query"), it("/tags/:tags ignores ?tags= query")
  it('/tags ignores a tags query', async () => {
    const call = await tagged();
    expect(await count(call, '/tags?tags=not_a_tag')).toBe(10);
    expect(await count(call, '/tags/corp_%20a?tags=invalid@tag')).toBe(4);
  });

  it('refuses a tag Kong would refuse as the tag of /tags/{tag}', async () => {
    const call = await tagged();
    const r = await call('GET', '/tags/a%2Cb');
    expect(r).toMatchObject({ status: 400, json: { code: 10, name: 'invalid unique tag' } });
    expect(r.json.message).toBe("invalid tag 'a,b': expected printable ascii (except `,` and `/`) or valid utf-8 sequences");
  });
});

describe('collections decK lists', () => {
  // go-database-reconciler pkg/dump/dump.go: GetAllVaults, GetAllKeys, GetAllKeySets.
  it('answers /vaults, /keys and /key-sets with an empty list, and filter-chains as Kong without wasm', async () => {
    const call = await admin();
    for (const p of ['/vaults', '/keys', '/key-sets', '/vaults?size=1000&tags=a']) expect(await call('GET', p), p).toMatchObject({ status: 200, json: { data: [], next: null } });
    expect((await call('GET', '/keys/nope')).status).toBe(404);
    expect(await call('GET', '/filter-chains?size=1000')).toMatchObject({ status: 400, json: { message: 'this endpoint is only available when wasm is enabled' } });
  });
});
