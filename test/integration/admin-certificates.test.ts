// certificates, snis and ca_certificates over the real Admin API, cases ported from Kong's
// spec/02-integration/04-admin_api/06-certificates_routes_spec.lua (each titled with Kong's it()).
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAdmin } from '../../src/admin/server.js';
import { openMemoryStore, type Store } from '../../src/store/index.js';
import { createLogger } from '../../src/log.js';
import { caPem, serverPair, type Pair } from '../helpers/tls-certs.js';

const SPEC = 'spec/02-integration/04-admin_api/06-certificates_routes_spec.lua';
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

let rsa: Pair, rsa2: Pair, ec: Pair, ec2: Pair;
beforeAll(async () => {
  [rsa, rsa2, ec, ec2] = await Promise.all([serverPair('rsa.test', 'rsa'), serverPair('rsa2.test', 'rsa'), serverPair('ec.test', 'ec'), serverPair('ec2.test', 'ec')]);
});

let n = 0;
const name = () => `name${String(++n).padStart(4, '0')}.test`;

async function admin(store: Store = openMemoryStore()) {
  const a = await startAdmin({ listen: { host: '127.0.0.1', port: 0 }, store, log: createLogger({ level: 'error' }), nodeId: '11111111-2222-4333-8444-555555555555' });
  cleanup.push(() => a.close());
  const base = `http://127.0.0.1:${a.address.port}`;
  const call = async (method: string, path: string, body?: unknown, type = 'application/json') => {
    const res = await fetch(base + path, { method, headers: body !== undefined ? { 'content-type': type } : {}, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, text, json: text ? JSON.parse(text) : null };
  };
  const addCertificate = async (alt = false) => {
    const names = [name(), name()];
    const r = await call('POST', '/certificates', { cert: rsa.cert, key: rsa.key, ...(alt ? { cert_alt: ec.cert, key_alt: ec.key } : {}), snis: names });
    expect(r.status).toBe(201);
    return { cert: r.json, names };
  };
  return { call, store, addCertificate };
}

describe(`Kong's ${SPEC}`, () => {
  it('retrieves all certificates with snis', async () => {
    const { call } = await admin();
    const snis = Array.from({ length: 150 }, (_, i) => `my-sni-${String(i + 1).padStart(3, '0')}.test`);
    expect((await call('POST', '/certificates', { cert: rsa.cert, key: rsa.key, snis })).status).toBe(201);
    const list = await call('GET', '/certificates');
    expect(list.json.data).toHaveLength(1);
    expect(list.json.data[0]).toMatchObject({ cert: rsa.cert, key: rsa.key, cert_alt: null, key_alt: null, snis });
  });

  it('returns a conflict when duplicated snis are present in the request', async () => {
    const { call, store } = await admin();
    const [n1, n2] = [name(), name()];
    const r = await call('POST', '/certificates', { cert: rsa.cert, key: rsa.key, snis: [n1, n2, n1] });
    expect(r.status).toBe(400);
    expect(r.json.message).toBe(`schema violation (snis: ${n1} is duplicated)`);
    expect(store.counts()).toMatchObject({ certificates: 0, snis: 0 });
  });

  it('returns a conflict when a pre-existing sni is detected', async () => {
    const { call, store } = await admin();
    const [n1, n2] = [name(), name()];
    const first = await call('POST', '/certificates', { cert: rsa.cert, key: rsa.key, snis: [n1] });
    const r = await call('POST', '/certificates', { cert: rsa.cert, key: rsa.key, snis: [n1, n2] });
    expect(r.status).toBe(400);
    expect(r.json.message).toBe(`schema violation (snis: ${n1} already associated with existing certificate '${first.json.id}')`);
    expect(store.counts()).toMatchObject({ certificates: 1, snis: 1 });
  });

  it('returns snis as [] when none is set with application/json', async () => {
    const { call } = await admin();
    const r = await call('POST', '/certificates', { cert: rsa.cert, key: rsa.key });
    expect(r.status).toBe(201);
    expect(r.text).toContain('"snis":[]');
    expect(r.json).toMatchObject({ cert_alt: null, key_alt: null });
  });

  it('creates a certificate and returns it with the snis pseudo-property with application/www-form-urlencoded', async () => {
    const { call } = await admin();
    const [n1, n2] = [name(), name()];
    const form = new URLSearchParams([['cert', rsa.cert], ['key', rsa.key], ['snis[]', n1], ['snis[]', n2]]).toString();
    const r = await call('POST', '/certificates', form, 'application/x-www-form-urlencoded');
    expect(r.status).toBe(201);
    expect(r.json.snis).toEqual([n1, n2]);
  });

  it('retrieves a certificate by sni with alternate certificate', async () => {
    const { call, addCertificate } = await admin();
    const { names } = await addCertificate(true);
    const a = await call('GET', `/certificates/${names[0]}`);
    const b = await call('GET', `/certificates/${names[1]}`);
    expect(a.status).toBe(200);
    expect(a.json).toMatchObject({ cert: rsa.cert, cert_alt: ec.cert, key_alt: ec.key, snis: names });
    expect(b.json).toEqual(a.json);
  });

  it('returns 404 for a random non-existing sni', async () => {
    const { call } = await admin();
    expect(await call('GET', '/certificates/doesntexist.test')).toMatchObject({ status: 404, json: { message: 'SNI not found' } });
    expect((await call('GET', '/certificates/6f4a1c3e-0b7d-4e29-9a35-2d1c8b7e6f50')).status).toBe(404);
  });

  it('creates a new sni when provided in the url', async () => {
    const { call } = await admin();
    const [n1, n2] = [name(), name()];
    const r = await call('PUT', `/certificates/${n1}`, { cert: rsa.cert, key: rsa.key, snis: [n2] });
    expect(r.status).toBe(200);
    expect(r.json.snis).toEqual([n1, n2].sort());
    expect((await call('GET', `/certificates/${r.json.id}`)).json).toEqual(r.json);
  });

  it('upserts if found', async () => {
    const { call, addCertificate } = await admin();
    const { cert } = await addCertificate();
    const r = await call('PUT', `/certificates/${cert.id}`, { cert: rsa2.cert, key: rsa2.key });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: cert.id, cert: rsa2.cert, key: rsa2.key, cert_alt: null, key_alt: null, snis: [] });
  });

  it('handles invalid input', async () => {
    const { call } = await admin();
    const r = await call('PUT', '/certificates/6f4a1c3e-0b7d-4e29-9a35-2d1c8b7e6f51', {});
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      code: 2, name: 'schema violation',
      message: '2 schema violations (cert: required field missing; key: required field missing)',
      fields: { cert: 'required field missing', key: 'required field missing' },
    });
  });

  it('handles invalid input with alternate certificate', async () => {
    const { call } = await admin();
    const r = await call('PUT', '/certificates/6f4a1c3e-0b7d-4e29-9a35-2d1c8b7e6f52', { cert: rsa.cert, key: rsa.key, cert_alt: ec.cert });
    expect(r.json).toEqual({
      code: 2, name: 'schema violation',
      message: "schema violation (all or none of these fields must be set: 'cert_alt', 'key_alt')",
      fields: { '@entity': ["all or none of these fields must be set: 'cert_alt', 'key_alt'"] },
    });
  });

  it('handles mismatched keys/certificates', async () => {
    const { call } = await admin();
    const r = await call('POST', '/certificates', { cert: rsa.cert, key: rsa2.key });
    expect(r.json).toEqual({ code: 2, name: 'schema violation', message: 'schema violation (certificate does not match key)', fields: { '@entity': ['certificate does not match key'] } });
  });

  it('handles mismatched keys/certificates with alternate certificate', async () => {
    const { call } = await admin();
    const r = await call('POST', '/certificates', { cert: rsa.cert, key: rsa.key, cert_alt: ec.cert, key_alt: ec2.key });
    expect(r.json.message).toBe('schema violation (alternative certificate does not match key)');
    expect(r.json.fields).toEqual({ '@entity': ['alternative certificate does not match key'] });
  });

  it('errors on non-distinct certs', async () => {
    const { call } = await admin();
    const r = await call('POST', '/certificates', { cert: rsa.cert, key: rsa.key, cert_alt: rsa2.cert, key_alt: rsa2.key });
    expect(r.status).toBe(400);
    expect(r.json.fields['@entity']).toEqual([
      'certificate and alternative certificate need to have different type (e.g. RSA and ECDSA), the provided certificates were both of the same type',
    ]);
  });

  it('updates only the certificate if no snis are specified', async () => {
    const { call, addCertificate } = await admin();
    const { cert, names } = await addCertificate();
    const r = await call('PATCH', `/certificates/${cert.id}`, { cert: rsa2.cert, key: rsa2.key });
    expect(r.json).toMatchObject({ cert: rsa2.cert, key: rsa2.key, snis: names });
    expect((await call('GET', `/certificates/${cert.id}`)).json.snis).toEqual(names);
  });

  it('returns a conflict when a pre-existing sni present in the request is associated with another certificate', async () => {
    const { call, addCertificate } = await admin();
    const { cert } = await addCertificate();
    const { cert: cert2, names: names2 } = await addCertificate();
    const r = await call('PATCH', `/certificates/${cert.id}`, { snis: names2 });
    expect(r.json.message).toBe(`schema violation (snis: ${names2[0]} already associated with existing certificate '${cert2.id}')`);
  });

  it('deletes all snis from a certificate if snis field is JSON null', async () => {
    const { call, addCertificate, store } = await admin();
    const { cert } = await addCertificate();
    const r = await call('PATCH', `/certificates/${cert.id}`, { snis: null });
    expect(r.status).toBe(200);
    expect(r.text).toContain('"snis":[]');
    expect(store.counts().snis).toBe(0);
  });

  it('deletes a certificate and all related snis', async () => {
    const { call, addCertificate, store } = await admin();
    const { names } = await addCertificate();
    expect((await call('DELETE', `/certificates/${names[0]}`)).status).toBe(204);
    expect(store.counts()).toMatchObject({ certificates: 0, snis: 0 });
    expect((await call('GET', `/snis/${names[1]}`)).status).toBe(404);
  });

  it("certificate doesn't exist", async () => {
    const { call } = await admin();
    const r = await call('POST', '/certificates/585e4c16-c656-11e6-8db9-5f512d8a12cd/snis', { name: name() });
    expect(r).toMatchObject({ status: 404, json: { message: 'Not found' } });
  });

  it('creates a sni using a sni to id the certificate with application/json', async () => {
    const { call, addCertificate } = await admin();
    const { cert, names } = await addCertificate();
    const n1 = name();
    const r = await call('POST', `/certificates/${names[0]}/snis`, { name: n1 });
    expect(r).toMatchObject({ status: 201, json: { name: n1, certificate: { id: cert.id } } });
    expect((await call('GET', `/certificates/${cert.id}/snis`)).json.data.map((s: { name: string }) => s.name).sort()).toEqual([...names, n1].sort());
  });

  it('returns a conflict when an sni already exists', async () => {
    const { call, addCertificate } = await admin();
    const { cert, names } = await addCertificate();
    const r = await call('POST', `/certificates/${cert.id}/snis`, { name: names[0] });
    expect(r).toMatchObject({ status: 409, json: { name: 'unique constraint violation' } });
  });

  it('creates with prefix wildcard / creates with suffix wildcard / rejects invalid SNIs', async () => {
    const { call, addCertificate } = await admin();
    const { cert } = await addCertificate();
    const n1 = name();
    expect((await call('POST', '/snis', { name: `*.${n1}`, certificate: { id: cert.id } })).json).toMatchObject({ name: `*.${n1}`, certificate: { id: cert.id } });
    expect((await call('POST', '/snis', { name: `${n1}.*`, certificate: { id: cert.id } })).status).toBe(201);
    const bad = await call('POST', '/snis', { name: '*.wildcard.*', certificate: { id: cert.id } });
    expect(bad.status).toBe(400);
    expect(bad.json.fields.name).toBe('only one wildcard must be specified');
  });
});

describe("Kong's spec/01-unit/01-db/01-schema/06-routes_spec.lua", () => {
  it("rejects specifying 'snis' if 'protocols' does not have 'https', 'tls' or 'tls_passthrough'", async () => {
    const { call, store } = await admin();
    const r = await call('POST', '/routes', { protocols: ['http'], paths: ['/x'], snis: ['example.org'] });
    expect(r.status).toBe(400);
    expect(r.json.fields).toEqual({
      '@entity': ["'snis' can only be set when 'protocols' is 'grpcs', 'https', 'tls' or 'tls_passthrough'"],
      snis: 'length must be 0',
    });
    expect((await call('POST', '/routes', { paths: ['/x'], snis: ['example.org'] })).status).toBe(201);
    expect(store.counts().routes).toBe(1);
  });
});

describe('certificates beyond the ported spec', () => {
  it('refuses a PEM that does not parse, with Kong\'s prefix and no key material in the answer', async () => {
    const { call } = await admin();
    const r = await call('POST', '/certificates', { cert: 'not a certificate', key: `${rsa.key.slice(0, 200)}garbage` });
    expect(r.status).toBe(400);
    expect(r.json.fields.cert).toMatch(/^invalid certificate: x509\.new: /);
    expect(r.json.fields.key).toMatch(/^invalid key: pkey\.new:load_key: /);
    expect(r.text).not.toContain(rsa.key.slice(40, 120));
  });

  // services.lua entity_checks: the upstream TLS fields are conditional on a TLS protocol.
  it("takes the upstream TLS fields on an https service and refuses them on http with Kong's conditional error", async () => {
    const { call, addCertificate } = await admin();
    const { cert } = await addCertificate();
    const caRow = (await call('POST', '/ca_certificates', { cert: await caPem('Upstream CA') })).json;
    const body = { client_certificate: { id: cert.id }, tls_verify: true, tls_verify_depth: 2, ca_certificates: [caRow.id] };
    const ok = await call('POST', '/services', { host: 'a.test', protocol: 'https', ...body });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.json).toMatchObject(body);
    const plain = await call('POST', '/services', { host: 'a.test', protocol: 'http', ...body });
    expect(plain.status).toBe(400);
    expect(plain.json.fields).toMatchObject({ client_certificate: 'value must be null', tls_verify: 'value must be null', tls_verify_depth: 'value must be null', ca_certificates: 'value must be null' });
    expect(plain.json.fields['@entity']).toContain("failed conditional validation given value of field 'protocol'");
    expect((await call('POST', '/services', { host: 'a.test', protocol: 'https', ca_certificates: ['nope'] })).json.fields.ca_certificates).toEqual(['expected a valid UUID']);
    expect((await call('POST', '/upstreams', { name: 'u', client_certificate: { id: cert.id } })).status).toBe(201);
    // ca_certificates DAO: a CA a service still trusts is not deleted.
    const del = await call('DELETE', `/ca_certificates/${caRow.id}`);
    expect(del.status).toBe(400);
    expect(del.json).toEqual({ code: 19, name: 'referenced by others', message: `ca certificate ${caRow.id} is still referenced by services (id = ${ok.json.id})` });
    expect((await call('DELETE', `/services/${ok.json.id}`)).status).toBe(204);
    expect((await call('DELETE', `/ca_certificates/${caRow.id}`)).status).toBe(204);
  });

  it('computes ca_certificates.cert_digest and refuses a leaf as a CA', async () => {
    const { call } = await admin();
    const ca = await caPem('Test CA');
    const r = await call('POST', '/ca_certificates', { cert: ca });
    expect(r.status).toBe(201);
    expect(r.json.cert_digest).toMatch(/^[0-9a-f]{64}$/);
    expect((await call('POST', '/ca_certificates', { cert: ca })).status).toBe(409);
    const leaf = await call('POST', '/ca_certificates', { cert: rsa.cert });
    expect(leaf.json.fields['@entity']).toEqual(['certificate does not appear to be a CA because it is missing the "CA" basic constraint']);
  });

  it('exports certificates and snis to the config_table without the transient snis field', async () => {
    const { addCertificate, store } = await admin();
    const { cert, names } = await addCertificate();
    const table = await store.exportConfigTable();
    expect((table.certificates as Record<string, unknown>[])[0]).not.toHaveProperty('snis');
    expect((table.snis as { name: string; certificate: string }[]).map((s) => [s.name, s.certificate])).toEqual(names.map((x) => [x, cert.id]));
  });
});
