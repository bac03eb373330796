// POST /config over real HTTP, answered as Kong's kong/api/routes/config.lua answers it. Cases ported
// from spec/02-integration/04-admin_api/15-off_spec.lua and
// spec/01-unit/01-db/01-schema/11-declarative_config/01-validate_spec.lua cite file and it().
import { describe, expect, it } from 'vitest';
import { adminBase } from '../helpers/admin.js';

async function admin() {
  const base = await adminBase();
  return async (path: string, body?: unknown, type = 'application/json') => {
    const res = await fetch(base + path, { method: 'POST', headers: body !== undefined ? { 'content-type': type } : {}, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  };
}

const yaml = (s: string) => s.replace(/^ {6}/gm, '');

describe('POST /config: input', () => {
  // 15-off_spec.lua: it("returns 304 if checking hash and configuration is identical")
  it('answers 304 to the same text with check_hash=1, and loads it again without', async () => {
    const post = await admin();
    const config = yaml(`
      _format_version: "1.1"
      consumers:
      - username: bobby_tables
    `);
    expect((await post('/config?check_hash=1', { config })).status).toBe(201);
    expect((await post('/config?check_hash=1', { config })).status).toBe(304);
    expect((await post('/config', { config })).status).toBe(201);
    expect((await post('/config?check_hash=1', { config: `${config}\n` })).status).toBe(201);
  });

  it('forgets the hash once the store changes through the entity API', async () => {
    const post = await admin();
    const config = '_format_version: "3.0"\nconsumers:\n- username: a\n';
    expect((await post('/config?check_hash=1', { config })).status).toBe(201);
    expect((await post('/consumers', { username: 'b' })).status).toBe(201);
    expect((await post('/config?check_hash=1', { config })).status).toBe(201);
  });

  // 15-off_spec.lua: it("returns 400 on an invalid config string")
  it('refuses a config that is not a table', async () => {
    const post = await admin();
    expect(await post('/config', { config: 'bobby tables' })).toEqual({
      status: 400,
      json: {
        code: 14,
        fields: { error: 'failed parsing declarative configuration: expected an object' },
        message: 'declarative config is invalid: {error="failed parsing declarative configuration: expected an object"}',
        name: 'invalid declarative configuration',
      },
    });
  });

  // 15-off_spec.lua: it("returns 400 when given no input")
  it('refuses an empty request', async () => {
    const post = await admin();
    expect(await post('/config')).toEqual({ status: 400, json: { message: 'expected a declarative configuration' } });
  });

  // 01-validate_spec.lua: it("requires version 1.1 or 2.1 or 3.0")
  it('wants _format_version as one of Kong\'s version strings', async () => {
    const post = await admin();
    expect((await post('/config', '_format_version: 1.1\n', 'application/yaml')).json.fields).toEqual({ _format_version: 'expected a string' });
    expect((await post('/config', '_format_version: "foobar"\n', 'application/yaml')).json.fields).toEqual({ _format_version: 'expected one of: 1.1, 2.1, 3.0' });
    expect((await post('/config', '_format_version: "2.1"\n', 'application/yaml')).status).toBe(201);
    expect((await post('/config', { _format_version: 3 })).json.fields).toEqual({ _format_version: 'expected a string' });
  });

  it('calls an unknown top-level key an unknown field', async () => {
    const post = await admin();
    expect((await post('/config', { _format_version: '3.0', abnormal_extra_field: 123 })).json.fields).toEqual({ abnormal_extra_field: 'unknown field' });
  });
});

describe('POST /config: errors in Kong\'s nested shape', () => {
  // 15-off_spec.lua: it("returns 400 on a validation error")
  it('nests field errors under the entity\'s position, as arrays', async () => {
    const post = await admin();
    const config = yaml(`
      _format_version: "1.1"
      services:
      - port: -12
    `);
    expect(await post('/config', { config })).toEqual({
      status: 400,
      json: {
        code: 14,
        fields: { services: [{ host: 'required field missing', port: 'value should be between 0 and 65535' }] },
        message: 'declarative config is invalid: {services={{host="required field missing",port="value should be between 0 and 65535"}}}',
        name: 'invalid declarative configuration',
      },
    });
  });

  it('nests a child\'s errors under its parent, and array element errors as arrays with holes', async () => {
    const post = await admin();
    const r = await post('/config', { _format_version: '3.0', services: [{ name: 's', host: 'a.test', routes: [{ name: 'ok', paths: ['/'] }, { name: 'bad', paths: ['/a', 'nope'] }] }] });
    expect(r.json.fields).toEqual({ services: [{ routes: [null, { paths: [null, 'should start with: / (fixed path) or ~/ (regex path)'] }] }] });
    expect(r.json.message).toBe('declarative config is invalid: {services={{routes={[2]={paths={[2]="should start with: / (fixed path) or ~/ (regex path)"}}}}}}');
  });

  // 15-off_spec.lua: it("returns 400 on an primary key uniqueness error") (http-log and tcp-log, which hybridctl does not run, left out)
  it('refuses a primary key declared twice, at the second entity\'s position', async () => {
    const post = await admin();
    const config = yaml(`
      _format_version: "1.1"
      services:
      - id: 0855b320-0dd2-547d-891d-601e9b38647f
        name: foo
        host: example.com
        protocol: https
        routes:
        - name: foo
          methods: ["GET"]
          plugins:
            - name: key-auth
      - id: 0855b320-0dd2-547d-891d-601e9b38647f
        name: bar
        host: example.test
        port: 3000
        routes:
        - name: bar
          paths:
          - /
          plugins:
          - name: basic-auth
    `);
    const msg = "uniqueness violation: 'services' entity with primary key set to '0855b320-0dd2-547d-891d-601e9b38647f' already declared";
    expect((await post('/config', { config })).json).toEqual({
      code: 14,
      fields: { services: [null, msg] },
      message: `declarative config is invalid: {services={[2]="${msg}"}}`,
      name: 'invalid declarative configuration',
    });
  });

  // 15-off_spec.lua: it("returns 400 on an endpoint key uniqueness error")
  it('refuses a name declared twice', async () => {
    const post = await admin();
    const config = '_format_version: "1.1"\nservices:\n- name: foo\n  host: example.com\n- name: foo\n  host: example.test\n  port: 3000\n';
    const msg = "uniqueness violation: 'services' entity with name set to 'foo' already declared";
    expect((await post('/config', { config })).json).toMatchObject({ fields: { services: [null, msg] }, message: `declarative config is invalid: {services={[2]="${msg}"}}` });
  });

  // 15-off_spec.lua: it("returns 400 on a regular key uniqueness error")
  it('refuses any other unique field declared twice, keyed by the endpoint key', async () => {
    const post = await admin();
    const config = '_format_version: "1.1"\nconsumers:\n- username: foo\n  custom_id: conflict\n- username: bar\n  custom_id: conflict\n';
    const msg = "uniqueness violation: 'consumers' entity with custom_id set to 'conflict' already declared";
    expect((await post('/config', { config })).json).toEqual({
      code: 14,
      fields: { consumers: { bar: msg } },
      message: `declarative config is invalid: {consumers={bar="${msg}"}}`,
      name: 'invalid declarative configuration',
    });
  });

  it('refuses credentials whose unique key is declared twice under different consumers', async () => {
    const post = await admin();
    const r = await post('/config', { _format_version: '3.0', consumers: [{ username: 'a', keyauth_credentials: [{ key: 'k1' }] }, { username: 'b', keyauth_credentials: [{ key: 'k1' }] }] });
    expect(r.json.fields).toEqual({ consumers: [null, { keyauth_credentials: ["uniqueness violation: 'keyauth_credentials' entity with key set to 'k1' already declared"] }] });
  });
});

describe('POST /config?flatten_errors=1', () => {
  it("lists each failing entity with Kong's entity_* fields and leaves top-level errors in fields", async () => {
    const post = await admin();
    const input = {
      _format_version: '3.0',
      abnormal_extra_field: 123,
      services: [
        { name: 'nope', host: 'localhost', port: 1234, protocol: 'nope', tags: ['service-01'], routes: [{ name: 'valid.route', methods: ['GET'], hosts: ['test'] }, { name: 'bad.route', paths: ['x'], tags: ['route-02'] }] },
        { name: 'okay', url: 'http://localhost:1234' },
      ],
    };
    const plain = await post('/config', input);
    expect(plain.json.flattened_errors).toBeUndefined();
    const r = await post('/config?flatten_errors=1', input);
    expect(r.status).toBe(400);
    expect(r.json.fields).toEqual({ abnormal_extra_field: 'unknown field' });
    expect(r.json.message).toBe('declarative config is invalid: {abnormal_extra_field="unknown field"}');
    const byType = Object.fromEntries(r.json.flattened_errors.map((e: { entity_type: string }) => [e.entity_type, e]));
    expect(byType.service).toEqual({
      entity_name: 'nope', entity_tags: ['service-01'], entity_type: 'service',
      entity: { name: 'nope', host: 'localhost', port: 1234, protocol: 'nope', tags: ['service-01'] },
      errors: [{ type: 'field', field: 'protocol', message: expect.stringMatching(/^expected one of: grpc, grpcs, http, https/) }],
    });
    expect(byType.route).toMatchObject({
      entity_name: 'bad.route', entity_type: 'route', entity_tags: ['route-02'],
      errors: [{ type: 'field', field: 'paths.1', message: 'should start with: / (fixed path) or ~/ (regex path)' }],
    });
    expect(r.json.flattened_errors).toHaveLength(2);
    // flatten_errors takes Kong's truthy values; anything else is off.
    expect((await post('/config?flatten_errors=off', input)).json.flattened_errors).toBeUndefined();
    expect((await post('/config?flatten_errors=yes', input)).json.flattened_errors).toHaveLength(2);
  });
});
