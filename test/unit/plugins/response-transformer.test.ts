// response-transformer, ported from Kong's spec/03-plugins/15-response-transformer/
// {01-header_transformer,02-body_transformer,03-api,04-filter}_spec.lua (each case names its it()).
import { describe, expect, it } from 'vitest';
import { useCluster } from './harness.js';
import { responseTransformer } from '../../../src/plugins/response-transformer/index.js';
import { compile, isJsonBody, transformJson } from '../../../src/plugins/response-transformer/transform.js';
import { validateConfig } from '../../../src/plugins/schema/validate.js';

const conf = (config: Record<string, unknown>) => {
  const r = validateConfig(responseTransformer.schema, config);
  expect(r.errors).toBeNull();
  return compile(r.config);
};
const run = (config: Record<string, unknown>, body: string) => {
  const out = transformJson(conf(config), Buffer.from(body));
  return out === null ? null : JSON.parse(out);
};

describe('response-transformer (spec/03-plugins/15-response-transformer/02-body_transformer_spec.lua)', () => {
  const ADD = { add: { json: ['p1:v1', 'p3:value:3', 'p4:"v1"', 'p5:-1', 'p6:false', 'p7:true'], json_types: ['string', 'string', 'string', 'number', 'boolean', 'boolean'] } };
  const ADDED = { p1: 'v1', p3: 'value:3', p4: '"v1"', p5: -1, p6: false, p7: true };
  const APPEND = { append: { json: ['p1:v1', 'p3:"v1"', 'p4:-1', 'p5:false', 'p6:true'], json_types: ['string', 'string', 'number', 'boolean', 'boolean'] } };
  const APPENDED = { p1: ['v1'], p3: ['"v1"'], p4: [-1], p5: [false], p6: [true] };
  const RENAME = { rename: { json: ['p1:k1', 'p2:k2', 'p3:k3', 'p4:k4', 'p5:k5'] } };
  const REPLACE = { replace: { json: ['p1:v2', 'p2:"v2"', 'p3:-1', 'p4:false', 'p5:true'], json_types: ['string', 'string', 'number', 'boolean', 'boolean'] } };
  const ALL = { remove: { json: ['p1'] }, rename: { json: ['p4:p2'] }, replace: { json: ['p2:v2'] }, add: { json: ['p3:v1'] }, append: { json: ['p3:v2'] } };
  const CASES: { it: string; config: Record<string, unknown>; body: string; want: unknown; raw?: string }[] = [
    { it: 'parameter (add)', config: ADD, body: '{"p2":"v1"}', want: { ...ADDED, p2: 'v1' } },
    { it: 'add value in double quotes', config: ADD, body: '{"p2":"v1"}', want: { ...ADDED, p2: 'v1' } },
    { it: 'number (add)', config: ADD, body: '{"p2":-1}', want: { ...ADDED, p2: -1 } },
    { it: 'boolean (add)', config: ADD, body: '{"p2":false}', want: { ...ADDED, p2: false } },
    { it: 'preserves empty arrays (add)', config: ADD, body: '{"p2":"v1", "a":[]}', want: { ...ADDED, p2: 'v1', a: [] } },
    { it: 'new key:value if key does not exists', config: APPEND, body: '{"p2":"v1"}', want: { ...APPENDED, p2: 'v1' } },
    { it: 'value if key exists', config: APPEND, body: '{"p1":"v2"}', want: { ...APPENDED, p1: ['v2', 'v1'] } },
    { it: 'value in double quotes (append)', config: APPEND, body: '{"p3":"v2"}', want: { ...APPENDED, p3: ['v2', '"v1"'] } },
    { it: 'number (append)', config: APPEND, body: '{"p4":"v2"}', want: { ...APPENDED, p4: ['v2', -1] } },
    { it: 'boolean (append)', config: APPEND, body: '{"p5":"v5", "p6":"v6"}', want: { ...APPENDED, p5: ['v5', false], p6: ['v6', true] } },
    { it: 'parameter (remove)', config: { remove: { json: ['p1', 'p2'] } }, body: '{"p1" : "v1", "p2" : "v1"}', want: {}, raw: '{}' },
    { it: 'preserves empty arrays (remove)', config: { remove: { json: ['p1', 'p2'] } }, body: '{"p1" : "v1", "p2" : "v1", "a": []}', want: { a: [] }, raw: '{"a":[]}' },
    { it: 'parameter (rename)', config: RENAME, body: '{"p1" : "v1", "p2" : "v2"}', want: { k1: 'v1', k2: 'v2' } },
    { it: 'preserves empty arrays (rename)', config: RENAME, body: '{"p1" : "v1", "p2" : "v2", "p3": []}', want: { k1: 'v1', k2: 'v2', k3: [] } },
    { it: 'number (rename)', config: RENAME, body: '{"p3" : -1}', want: { k3: -1 } },
    { it: 'boolean (rename)', config: RENAME, body: '{"p4" : false, "p5" : true}', want: { k4: false, k5: true } },
    { it: 'parameter if it exists (replace)', config: REPLACE, body: '{"p1" : "v1", "p2" : "v1"}', want: { p1: 'v2', p2: '"v2"' } },
    { it: 'does not add value to parameter if parameter does not exists (replace)', config: REPLACE, body: '{"p1" : "v1"}', want: { p1: 'v2' } },
    { it: 'double quoted value (replace)', config: REPLACE, body: '{"p2" : "v1"}', want: { p2: '"v2"' } },
    { it: 'number (replace)', config: REPLACE, body: '{"p3" : "v1"}', want: { p3: -1 } },
    { it: 'boolean (replace)', config: REPLACE, body: '{"p4" : "v4", "p5" : "v5"}', want: { p4: false, p5: true } },
    { it: 'combination', config: ALL, body: '{"p1" : "v1", "p4" : "v1"}', want: { p2: 'v2', p3: ['v1', 'v2'] } },
    { it: 'preserves empty array (combination)', config: ALL, body: '{"p1" : "v1", "p4" : "v1", "a" : []}', want: { p2: 'v2', p3: ['v1', 'v2'], a: [] } },
    { it: 'gracefully fails transforming invalid json body', config: ALL, body: '{"p1" : "v1", ', want: null },
  ];
  for (const c of CASES) {
    it(c.it, () => {
      expect(run(c.config, c.body)).toEqual(c.want);
      if (c.raw) expect(transformJson(conf(c.config), Buffer.from(c.body))).toBe(c.raw);
    });
  }
  it('is truthy when content-type is multiple values along with application/json passed', () => {
    expect(isJsonBody('application/xml, application/json')).toBe(true);
    expect(isJsonBody('application/json; charset=utf-8')).toBe(true);
    expect(isJsonBody('text/html')).toBe(false);
  });
});

describe('response-transformer (spec/03-plugins/15-response-transformer/03-api_spec.lua)', () => {
  const v = (config: Record<string, unknown>) => validateConfig(responseTransformer.schema, config).errors;
  it('remove succeeds without colons', () => expect(v({ remove: { headers: ['just_a_key'], json: ['just_a_key'] } })).toBeNull());
  it('rename succeeds with colons', () => expect(v({ rename: { headers: ['x-old-header:x-new-header'], json: ['old_key:new_key'] } })).toBeNull());
  it('rename fails with missing colons for header old_name/new_name separation', () => expect(v({ rename: { headers: ['x-no-colon'] } })).toEqual({ rename: { headers: { 1: 'invalid value: x-no-colon' } } }));
  it('rename fails with invalid header name for old_name or new_name separation', () => expect(v({ rename: { headers: ['x-old-header:x-new-header\u0000'] } })).toEqual({ rename: { headers: { 1: "'x-new-header\u0000' is not a valid header" } } }));
  for (const op of ['add', 'replace', 'append']) {
    it(`${op} fails with missing colons for key/value separation`, () => expect(v({ [op]: { headers: ['just_a_key'] } })).toEqual({ [op]: { headers: { 1: 'invalid value: just_a_key' } } }));
  }
  it('(hybridctl) json_types must be boolean, number or string', () => expect(v({ add: { json: ['a:1'], json_types: ['int'] } })).toEqual({ add: { json_types: { 1: 'expected one of: boolean, number, string' } } }));
});

function fixture(): Record<string, unknown> {
  const rt = (config: Record<string, unknown>) => ({ name: 'response-transformer', config });
  return {
    consumers: [{ username: 'bob', keyauth_credentials: [{ key: 'kong' }] }],
    services: [{
      name: 'svc',
      routes: [
        { name: 'r1', hosts: ['response.test'], plugins: [rt({ remove: { headers: ['Access-Control-Allow-Origin'], json: ['url'] } })] },
        { name: 'r2', hosts: ['response2.test'], plugins: [rt({ replace: { json: ['headers:/hello/world', 'uri_args:this is a / test', 'url:"wot"'] } })] },
        { name: 'r3', hosts: ['response3.test'], plugins: [rt({ remove: { json: ['ip'] } }), { name: 'key-auth' }] },
        {
          name: 'r4', hosts: ['headers.test'], plugins: [rt({
            remove: { headers: ['h1'] }, rename: { headers: ['h2:h2-renamed', 'h1:h1-renamed'] }, replace: { headers: ['h3:new-h3', 'h9:never'] },
            add: { headers: ['h4:v4', 'h3:not-added'], json: ['added:yes'] }, append: { headers: ['h5:v5b', 'h6:v6'] },
          })],
        },
      ],
    }],
  };
}

describe('response-transformer (spec/03-plugins/15-response-transformer/04-filter_spec.lua)', () => {
  const h = useCluster(fixture, {
    upstream: (url): { headers: Record<string, string>; body: string } | undefined => {
      if (url.startsWith('/response-headers')) return { headers: { 'access-control-allow-origin': '*' }, body: '{"ok":true}' };
      if (url.startsWith('/headers')) return { headers: { h1: 'v1', h2: 'v2', h3: 'v3', h5: 'v5a' }, body: '{"a":1}' };
      if (url.startsWith('/xml')) return { headers: { 'content-type': 'application/xml' }, body: '<a url="x"/>' };
      return undefined;
    },
  });
  it('remove a parameter', async () => {
    const r = await h().send({ host: 'response.test', path: '/get' });
    expect(r.status).toBe(200);
    expect(r.json().url).toBeUndefined();
    expect(r.json().method).toBe('GET');
    expect(r.headers['content-length']).toBe(String(Buffer.byteLength(r.body)));
  });
  it('remove a header', async () => {
    const r = await h().send({ host: 'response.test', path: '/response-headers' });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
  });
  it('replace a body parameter on GET', async () => {
    const r = await h().send({ host: 'response2.test', path: '/get' });
    expect(r.status).toBe(200);
    expect(r.json().headers).toBe('/hello/world');
    expect(r.json().url).toBe('"wot"');
    expect(r.json().uri_args).toBeUndefined();
  });
  it('does not throw an error when request was short-circuited in access phase', async () => {
    const r = await h().send({ host: 'response3.test', path: '/get' });
    expect(r.status).toBe(401);
    expect(r.json().message).toBe('No API key found in request');
  });
  it('(hybridctl) headers: remove, rename, replace, add, append in order', async () => {
    const r = await h().send({ host: 'headers.test', path: '/headers' });
    expect(r.status).toBe(200);
    expect(r.headers.h1).toBeUndefined();
    expect(r.headers['h2-renamed']).toBe('v2');
    expect(r.headers.h2).toBeUndefined();
    // Kong reads the headers before removing: a removed header can still be renamed.
    expect(r.headers['h1-renamed']).toBe('v1');
    expect(r.headers.h3).toBe('new-h3');
    expect(r.headers.h9).toBeUndefined();
    expect(r.headers.h4).toBe('v4');
    expect(r.headers.h5).toBe('v5a, v5b');
    expect(r.headers.h6).toBe('v6');
    expect(r.json()).toEqual({ a: 1, added: 'yes' });
  });
  it('(hybridctl) leaves non-JSON bodies alone', async () => {
    const r = await h().send({ host: 'headers.test', path: '/xml' });
    expect(r.body).toBe('<a url="x"/>');
    expect(r.headers['content-length']).toBe('12');
  });
});
