// request-transformer, ported from Kong's spec/03-plugins/36-request-transformer/{01-schema,02-access}_spec.lua
// (each case names its it()).
import { describe, expect, it } from 'vitest';
import { type Echo, useCluster } from './harness.js';
import { requestTransformer } from '../../../src/plugins/request-transformer/index.js';
import { validateConfig } from '../../../src/plugins/schema/validate.js';
import { compileTemplate, render } from '../../../src/plugins/request-transformer/template.js';

const v = (config: Record<string, unknown>) => validateConfig(requestTransformer.schema, config);

describe('request-transformer (spec/03-plugins/36-request-transformer/01-schema_spec.lua)', () => {
  const CASES: { it: string; config: Record<string, unknown>; errors?: unknown }[] = [
    { it: 'validates http_method', config: { http_method: 'GET' } },
    { it: 'errors invalid http_method', config: { http_method: 'HELLO!' }, errors: { http_method: 'invalid value: HELLO!' } },
    { it: 'validate regex pattern as value', config: { add: { querystring: ['uri_param1:$(uri_captures.user1)', 'uri_param2:$(uri_captures.user2)'] } } },
    { it: 'validate string as value', config: { add: { querystring: ['uri_param1:$(uri_captures.user1)', 'uri_param2:value'] } } },
    { it: 'error for missing value', config: { add: { querystring: ['uri_param2:'] } }, errors: { add: { querystring: { 1: "key 'uri_param2' has no value" } } } },
    { it: 'error for malformed regex pattern in value', config: { add: { querystring: ['uri_param2:$(uri_captures user2)'] } }, errors: { add: { querystring: { 1: expect.stringMatching(/^value '\$\(uri_captures user2\)' is not in supported format, error:/) } } } },
    { it: '(hybridctl) rename headers need valid header names on both sides', config: { rename: { headers: ['x-a:b c'] } }, errors: { rename: { headers: { 1: "'b c' is not a valid header" } } } },
    { it: '(hybridctl) header entries need a colon', config: { add: { headers: ['just_a_key'] } }, errors: { add: { headers: { 1: 'invalid value: just_a_key' } } } },
    { it: '(hybridctl) remove headers must be valid header names', config: { remove: { headers: ['bad header'] } }, errors: { remove: { headers: { 1: "'bad header' is not a valid header" } } } },
    // Kong accepts these and fails every matching request with a 500; hybridctl refuses them up front.
    { it: '(hybridctl) should fail when uri template is not a proper expression — refused at config time', config: { replace: { uri: '/requests/user2/$(10 * uri_captures.user1)' } }, errors: { replace: { uri: expect.stringContaining("unexpected '*'") } } },
    { it: '(hybridctl) rendering error (query) should fail when rendering errors out — arbitrary calls refused', config: { add: { querystring: ['q1:$(ERROR())'] } }, errors: { add: { querystring: { 1: expect.stringContaining("unexpected 'ERROR'") } } } },
    { it: '(hybridctl) cannot write a value in `kong.ctx.shared` — assignment refused', config: { add: { headers: ['X-Write-Attempt:$(shared.written = true)'] } }, errors: { add: { headers: { 1: expect.stringContaining("unexpected '='") } } } },
    { it: '(hybridctl) rendering error (header) — unknown functions refused', config: { add: { headers: ['x-user-agent:$(foo(headers["User-Agent"]))'] } }, errors: { add: { headers: { 1: expect.stringContaining("unexpected 'foo'") } } } },
    { it: '(hybridctl) arrays default to []', config: {} },
  ];
  for (const c of CASES) {
    it(c.it, () => {
      const r = v(c.config);
      if (c.errors) expect(r.errors).toEqual(c.errors);
      else {
        expect(r.errors).toBeNull();
        expect((r.config.add as Record<string, unknown>).headers).toEqual([]);
      }
    });
  }
});

describe('request-transformer templates (hybridctl)', () => {
  const env = {
    headers: () => ({ 'x-foo': ['1', '2'], host: 'h.test', 'user-agent': 'ua' }),
    query_params: () => ({ q1: '20', flag: true }),
    uri_captures: () => ({ 0: '/user1/foo', 1: 'foo', user1: 'foo', 2: false }),
    shared: () => ({ my_version: '1.2.3' }),
  };
  const CASES: [string, string][] = [
    ['$(uri_captures.user1)', 'foo'],
    ['$(uri_captures[0])', '/user1/foo'],
    ['$(uri_captures["user1"])/x', 'foo/x'],
    ["$(uri_captures.user9 or 'default1')", 'default1'],
    ["$('$(uri_captures.user1)')", '$(uri_captures.user1)'],
    ['$(headers.host)', 'h.test'],
    ['$(headers.User_Agent)', 'ua'],
    ['$(type(headers["X-Foo"]) == "table" and headers["X-Foo"][1] .. "-first" or headers["X-Foo"])', '1-first'],
    ['$(query_params.q1)-$(query_params.flag)', '20-true'],
    ['$(shared.my_version)', '1.2.3'],
    ['$(uri_captures[2])', ''],
    ['/a/$(uri_captures.user2/b', '/a/$(uri_captures.user2/b'],
  ];
  for (const [src, want] of CASES) it(`(hybridctl) renders ${src}`, () => expect(render(compileTemplate(src), env)).toBe(want));
  it('(hybridctl) concatenating nil fails the request', () => expect(() => render(compileTemplate('$(uri_captures.nope .. "x")'), env)).toThrow(/concatenate a nil/));
});

function fixture(): Record<string, unknown> {
  const rt = (config: Record<string, unknown>) => [{ name: 'request-transformer', config }];
  const route = (n: number | string, config: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ name: `r${n}`, hosts: [`test${n}.test`], plugins: rt(config), ...extra });
  const CAPTURE = '~/requests/user1/(?P<user1>\\w+)/user2/(?P<user2>\\S+)';
  const NAMED = '~/requests/user1/(?<user1>\\w+)/user2/(?<user2>\\S+)';
  return {
    services: [{
      name: 'svc',
      routes: [
        route(1, { add: { headers: ['h1:v1', 'h2:value:2'], querystring: ['q1:v1'], body: ['p1:v1'] } }),
        route(2, { add: { headers: ['host:mark'] } }, { preserve_host: true }),
        route(4, { remove: { headers: ['x-to-remove'], querystring: ['q1'], body: ['toremoveform'] } }),
        route(5, { replace: { headers: ['h1:v1'], querystring: ['q1:v1'], body: ['p1:v1'] } }),
        route(6, { append: { headers: ['h1:v1', 'h1:v2', 'h2:v1'], querystring: ['q1:v1', 'q1:v2', 'q2:v1'], body: ['p1:v1', 'p1:v2', 'p2:value:1'] } }),
        route(7, { http_method: 'POST' }),
        route(8, { http_method: 'GET' }),
        route(9, { rename: { headers: ['x-to-rename:x-is-renamed'], querystring: ['originalparam:renamedparam'], body: ['originalparam:renamedparam'] } }),
        route(10, { add: { querystring: ['uri_param1:$(uri_captures.user1)', 'uri_param2[some_index][1]:$(uri_captures.user2)'] } }, { paths: [CAPTURE], strip_path: false }),
        route(11, { replace: { uri: '/requests/user2/$(uri_captures.user2)/user1/$(uri_captures.user1)' } }, { paths: [CAPTURE] }),
        route(12, { add: { querystring: ["uri_param1:$(uri_captures.user1 or 'default1')", "uri_param2:$(uri_captures.user2 or 'default2')"] } }, { paths: ['/requests/'], strip_path: false }),
        route(14, { replace: { uri: '/requests$(uri_captures[0])' } }, { paths: ['~/user1/(?P<user1>\\w+)/user2/(?P<user2>\\S+)'] }),
        route(15, { add: { querystring: ['uri_param1:$(uri_captures.user1)', 'uri_param2:$(headers.host)'], headers: ['x-test-header:$(query_params.q1)'] }, remove: { querystring: ['q1'] } }, { paths: [NAMED], strip_path: false }),
        route(16, { replace: { querystring: ["q2:$(headers['x-remove-header'])"] }, add: { querystring: ['q1:$(uri_captures.user1)'], headers: ["x-test-header:$(headers['x-remove-header'])"] }, remove: { headers: ['x-remove-header'] } }, { paths: [NAMED], strip_path: false }),
        route(17, { replace: { querystring: ["q2:$(headers['x-replace-header'])"], headers: ['x-replace-header:the new value'] }, add: { querystring: ['q1:$(uri_captures.user1)'], headers: ["x-test-header:$(headers['x-replace-header'])"] } }, { paths: [NAMED], strip_path: false }),
        route(18, { add: { querystring: ["q1:$('$(uri_captures.user1)')"] } }, { paths: [NAMED], strip_path: false }),
        route(20, { http_method: 'POST', add: { headers: ['Content-Type:application/json'], body: ['body:somecontent'] } }),
        route(22, { http_method: 'POST', remove: { headers: ['Authorization'] }, add: { headers: ['Authorization:Basic test'] } }),
        route(25, { add: { headers: ['X-Foo-Transformed:$(type(headers["X-Foo"]) == "table" and headers["X-Foo"][1] .. "-first" or headers["X-Foo"])'] } }),
        route(29, { replace: { uri: '/api/v2/$(uri_captures["subpath"])' } }, { paths: ['~/(gw/)?api/(?<subpath>htest)$'], strip_path: false }),
        route('30', { add: { headers: ['x-concat:$(uri_captures.nope .. "x")'] } }),
      ],
    }],
  };
}

type Send = { host: string; method?: string; path?: string; headers?: Record<string, string | string[]>; body?: string };
interface Case extends Send { it: string; status?: number; check?: (e: Echo, q: URLSearchParams) => void }

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_CT = { 'content-type': 'application/json' };
const query = (e: Echo) => new URLSearchParams(e.url.includes('?') ? e.url.slice(e.url.indexOf('?') + 1) : '');
const form = (e: Echo) => new URLSearchParams(e.body);
const BOUNDARY = 'xYzZY';
const multipart = (fields: Record<string, string>) =>
  Object.entries(fields).map(([k, val]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${val}\r\n`).join('') + `--${BOUNDARY}--\r\n`;
const MULTI = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };
const NAMED_PATH = '/requests/user1/foo/user2/bar';

const CASES: Case[] = [
  { it: 'changes the HTTP method from GET to POST', host: 'test7.test', path: '/request?hello=world&name=marco', check: (e, q) => { expect(e.method).toBe('POST'); expect(q.get('hello')).toBe('world'); expect(q.get('name')).toBe('marco'); } },
  { it: 'changes the HTTP method from POST to GET', host: 'test8.test', method: 'POST', path: '/request?hello=world', headers: FORM, body: 'name=marco', check: (e, q) => { expect(e.method).toBe('GET'); expect(q.get('hello')).toBe('world'); expect(q.get('name')).toBe('marco'); } },
  { it: 'changes the HTTP method from GET to POST and adds JSON body', host: 'test20.test', path: '/request', check: (e) => { expect(e.method).toBe('POST'); expect(e.headers['content-type']).toBe('application/json'); expect(JSON.parse(e.body)).toEqual({ body: 'somecontent' }); } },
  { it: 'specified header (remove)', host: 'test4.test', path: '/request', headers: { 'x-to-remove': 'true', 'x-another-header': 'true' }, check: (e) => { expect(e.headers['x-to-remove']).toBeUndefined(); expect(e.headers['x-another-header']).toBe('true'); } },
  { it: 'parameters on url encoded form POST (remove)', host: 'test4.test', method: 'POST', path: '/request', headers: FORM, body: 'toremoveform=yes&nottoremove=yes', check: (e) => { expect(form(e).has('toremoveform')).toBe(false); expect(form(e).get('nottoremove')).toBe('yes'); } },
  { it: 'parameters from JSON body in POST (remove)', host: 'test4.test', method: 'POST', path: '/request', headers: JSON_CT, body: '{"toremoveform":"yes","nottoremove":"yes"}', check: (e) => expect(JSON.parse(e.body)).toEqual({ nottoremove: 'yes' }) },
  { it: 'does not fail if JSON body is malformed in POST', host: 'test4.test', method: 'POST', path: '/request', headers: JSON_CT, body: 'malformed json body', check: (e) => expect(e.body).toBe('malformed json body') },
  { it: 'does not fail if body is empty and content type is application/json in POST', host: 'test4.test', method: 'POST', path: '/request', headers: JSON_CT, body: '{}', check: (e) => { expect(e.body).toBe('{}'); expect(e.headers['content-length']).toBe('2'); } },
  { it: 'does not fail if body is empty in POST', host: 'test4.test', method: 'POST', path: '/request', body: '', check: (e) => expect(e.body).toBe('') },
  { it: 'parameters on multipart POST (remove)', host: 'test4.test', method: 'POST', path: '/request', headers: MULTI, body: multipart({ toremoveform: 'yes', nottoremove: 'yes' }), check: (e) => { expect(e.body).not.toContain('toremoveform'); expect(e.body).toContain('name="nottoremove"\r\n\r\nyes'); } },
  { it: 'args on GET if it exist (remove)', host: 'test4.test', path: '/request?q1=v1&q2=v2', check: (_e, q) => { expect(q.has('q1')).toBe(false); expect(q.get('q2')).toBe('v2'); } },
  { it: 'preserves empty json array (remove)', host: 'test4.test', method: 'POST', path: '/request', headers: JSON_CT, body: '{"emptyarray":[]}', check: (e) => expect(e.body).toBe('{"emptyarray":[]}') },
  { it: 'specified header (rename)', host: 'test9.test', path: '/request', headers: { 'x-to-rename': 'true', 'x-another-header': 'true' }, check: (e) => { expect(e.headers['x-to-rename']).toBeUndefined(); expect(e.headers['x-is-renamed']).toBe('true'); expect(e.headers['x-another-header']).toBe('true'); } },
  { it: 'does not add as new header if header does not exist (rename)', host: 'test9.test', path: '/request', check: (e) => expect(e.headers['x-is-renamed']).toBeUndefined() },
  { it: 'override value if target header already exist: #%s', host: 'test9.test', path: '/request', headers: { 'x-to-rename': 'new-result', 'x-is-renamed': 'old-result' }, check: (e) => expect(e.headers['x-is-renamed']).toBe('new-result') },
  { it: 'specified parameters in url encoded body on POST (rename)', host: 'test9.test', method: 'POST', path: '/request', headers: FORM, body: 'originalparam=yes&nottorename=yes', check: (e) => { expect(form(e).get('renamedparam')).toBe('yes'); expect(form(e).has('originalparam')).toBe(false); } },
  { it: 'parameters from JSON body in POST (rename)', host: 'test9.test', method: 'POST', path: '/request', headers: JSON_CT, body: '{"originalparam":"yes","nottorename":"yes"}', check: (e) => expect(JSON.parse(e.body)).toEqual({ renamedparam: 'yes', nottorename: 'yes' }) },
  { it: 'parameters on multipart POST (rename)', host: 'test9.test', method: 'POST', path: '/request', headers: MULTI, body: multipart({ originalparam: 'yes', nottorename: 'yes' }), check: (e) => { expect(e.body).toContain('name="renamedparam"\r\n\r\nyes'); expect(e.body).not.toContain('originalparam'); } },
  { it: 'args on GET if it exists (rename)', host: 'test9.test', path: '/request?originalparam=true&nottorename=true', check: (_e, q) => { expect(q.get('renamedparam')).toBe('true'); expect(q.has('originalparam')).toBe(false); } },
  { it: 'specified header if it exist (replace)', host: 'test5.test', path: '/request', headers: { h1: 'V' }, check: (e) => expect(e.headers.h1).toBe('v1') },
  { it: 'does not add as new header if header does not exist (replace)', host: 'test5.test', path: '/request', check: (e) => expect(e.headers.h1).toBeUndefined() },
  { it: 'specified parameters in url encoded body on POST (replace)', host: 'test5.test', method: 'POST', path: '/request', headers: FORM, body: 'p1=v&p2=v1', check: (e) => { expect(form(e).get('p1')).toBe('v1'); expect(form(e).get('p2')).toBe('v1'); } },
  { it: 'does not add as new parameter in url encoded body if parameter does not exist on POST (replace)', host: 'test5.test', method: 'POST', path: '/request', headers: FORM, body: 'p2=v1', check: (e) => expect(form(e).has('p1')).toBe(false) },
  { it: 'specified parameters in json body on POST (replace)', host: 'test5.test', method: 'POST', path: '/request', headers: JSON_CT, body: '{"p1":"v","p2":"v1"}', check: (e) => expect(JSON.parse(e.body)).toEqual({ p1: 'v1', p2: 'v1' }) },
  { it: 'specified parameters on multipart POST (replace)', host: 'test5.test', method: 'POST', path: '/request', headers: MULTI, body: multipart({ p1: 'v', p2: 'v1' }), check: (e) => { expect(e.body).toContain('name="p1"\r\n\r\nv1\r\n'); expect(e.body).toContain('name="p2"\r\n\r\nv1\r\n'); } },
  { it: 'args on POST if it exist (replace)', host: 'test5.test', method: 'POST', path: '/request?q1=v&q2=v2', headers: FORM, body: 'hello=world', check: (_e, q) => { expect(q.get('q1')).toBe('v1'); expect(q.get('q2')).toBe('v2'); } },
  { it: 'does not add new args on POST if it does not exist (replace)', host: 'test5.test', method: 'POST', path: '/request?q2=v2', headers: FORM, body: 'hello=world', check: (_e, q) => expect(q.has('q1')).toBe(false) },
  { it: 'replaces request uri with optional capture prefix', host: 'test29.test', path: '/api/htest', check: (e) => expect(e.url).toBe('/api/v2/htest') },
  { it: 'replaces request uri with the capature prefix', host: 'test29.test', path: '/gw/api/htest', check: (e) => expect(e.url).toBe('/api/v2/htest') },
  { it: 'new headers (add)', host: 'test1.test', path: '/request', check: (e) => { expect(e.headers.h1).toBe('v1'); expect(e.headers.h2).toBe('value:2'); } },
  { it: 'does not change or append value if header already exists (add)', host: 'test1.test', path: '/request', headers: { h1: 'v3' }, check: (e) => expect(e.headers.h1).toBe('v3') },
  { it: 'new parameter in url encoded body on POST (add)', host: 'test1.test', method: 'POST', path: '/request', headers: FORM, body: 'hello=world', check: (e) => { expect(form(e).get('p1')).toBe('v1'); expect(form(e).get('hello')).toBe('world'); } },
  { it: 'does not change or append value to parameter in url encoded body on POST when parameter exists (add)', host: 'test1.test', method: 'POST', path: '/request', headers: FORM, body: 'p1=should+not+change&hello=world', check: (e) => expect(form(e).getAll('p1')).toEqual(['should not change']) },
  { it: 'new parameter in JSON body on POST (add)', host: 'test1.test', method: 'POST', path: '/request', headers: JSON_CT, body: '{"hello":"world"}', check: (e) => expect(JSON.parse(e.body)).toEqual({ hello: 'world', p1: 'v1' }) },
  { it: 'does not change or append value to parameter in JSON on POST when parameter exists (add)', host: 'test1.test', method: 'POST', path: '/request', headers: JSON_CT, body: '{"p1":"this should not change"}', check: (e) => expect(JSON.parse(e.body)).toEqual({ p1: 'this should not change' }) },
  { it: 'does not fail if JSON body is malformed in POST (add)', host: 'test1.test', method: 'POST', path: '/request', headers: JSON_CT, body: 'malformed json body', check: (e) => expect(e.body).toBe('malformed json body') },
  { it: 'new parameter on multipart POST (add)', host: 'test1.test', method: 'POST', path: '/request', headers: MULTI, body: multipart({}), check: (e) => expect(e.body).toContain('name="p1"\r\n\r\nv1\r\n') },
  { it: 'new querystring on GET (add)', host: 'test1.test', path: '/request?q2=v2', check: (_e, q) => { expect(q.get('q1')).toBe('v1'); expect(q.get('q2')).toBe('v2'); } },
  { it: 'does not change or append value to querystring on GET if querystring exists (add)', host: 'test1.test', path: '/request?q1=v2', check: (_e, q) => expect(q.getAll('q1')).toEqual(['v2']) },
  { it: 'should not change the host header', host: 'test2.test', path: '/request', check: (e) => expect(e.headers.host).toBe('test2.test') },
  { it: 'preserves empty json array (add)', host: 'test1.test', method: 'POST', path: '/request', headers: JSON_CT, body: '{"emptyarray":[]}', check: (e) => expect(e.body).toBe('{"emptyarray":[],"p1":"v1"}') },
  { it: 'new header if header does not exists (append)', host: 'test6.test', path: '/request', check: (e) => expect(e.headers.h2).toBe('v1') },
  { it: 'values to existing headers (append)', host: 'test6.test', path: '/request', check: (e) => expect(e.headers.h1).toBe('v1, v2') },
  { it: 'new querystring if querystring does not exists (append)', host: 'test6.test', path: '/request', check: (_e, q) => expect(q.get('q2')).toBe('v1') },
  { it: 'values to existing querystring (append)', host: 'test6.test', path: '/request', check: (_e, q) => expect(q.getAll('q1')).toEqual(['v1', 'v2']) },
  { it: 'new parameter in url encoded body on POST if it does not exist (append)', host: 'test6.test', method: 'POST', path: '/request', headers: FORM, body: '', check: (e) => { expect(form(e).getAll('p1')).toEqual(['v1', 'v2']); expect(form(e).get('p2')).toBe('value:1'); } },
  { it: 'values to existing parameter in url encoded body if parameter already exist on POST (append)', host: 'test6.test', method: 'POST', path: '/request', headers: FORM, body: 'p1=v0', check: (e) => expect(form(e).getAll('p1')).toEqual(['v0', 'v1', 'v2']) },
  { it: 'does not change or append value to parameter on multipart POST (append)', host: 'test6.test', method: 'POST', path: '/request', headers: MULTI, body: multipart({ p1: 'This should not change' }), check: (e) => { expect(e.body).toContain('name="p1"\r\n\r\nThis should not change\r\n'); expect(e.body).not.toContain('v2'); } },
  { it: 'template as querystring parameters on GET', host: 'test10.test', path: `${NAMED_PATH}?q1=20`, headers: FORM, check: (e) => expect(e.url).toBe('/requests/user1/foo/user2/bar?q1=20&uri_param1=foo&uri_param2%5Bsome_index%5D%5B1%5D=bar') },
  { it: 'should update request path using hash', host: 'test11.test', path: NAMED_PATH, check: (e) => expect(e.url).toBe('/requests/user2/bar/user1/foo') },
  { it: 'should not add querystring if hash missing', host: 'test12.test', path: '/requests/?q1=20', check: (_e, q) => { expect(q.get('q1')).toBe('20'); expect(q.get('uri_param1')).toBe('default1'); expect(q.get('uri_param2')).toBe('default2'); } },
  { it: 'should not fail when uri template rendered using index', host: 'test14.test', path: '/user1/foo/user2/bar', check: (e) => expect(e.url).toBe('/requests/user1/foo/user2/bar') },
  { it: 'validate using headers/req_querystring for rendering templates', host: 'test15.test', path: `${NAMED_PATH}?q1=20`, headers: FORM, check: (e, q) => { expect(q.has('q1')).toBe(false); expect(q.get('uri_param1')).toBe('foo'); expect(q.get('uri_param2')).toBe('test15.test'); expect(e.headers['x-test-header']).toBe('20'); } },
  { it: 'validate that removed header can be used as template', host: 'test16.test', path: `${NAMED_PATH}?q2=20`, headers: { 'x-remove-header': 'its a test', ...FORM }, check: (e, q) => { expect(e.headers['x-remove-header']).toBeUndefined(); expect(q.get('q1')).toBe('foo'); expect(q.get('q2')).toBe('its a test'); expect(e.headers['x-test-header']).toBe('its a test'); } },
  { it: 'validate template will be rendered with old value of replaced header', host: 'test17.test', path: `${NAMED_PATH}?q2=20`, headers: { 'x-replace-header': 'the old value', ...FORM }, check: (e, q) => { expect(q.get('q1')).toBe('foo'); expect(q.get('q2')).toBe('the old value'); expect(e.headers['x-test-header']).toBe('the old value'); expect(e.headers['x-replace-header']).toBe('the new value'); } },
  { it: 'validate template can be escaped', host: 'test18.test', path: `${NAMED_PATH}?q2=20`, check: (_e, q) => { expect(q.get('q1')).toBe('$(uri_captures.user1)'); expect(q.get('q2')).toBe('20'); } },
  { it: 'type function is available in template environment', host: 'test25.test', path: '/request', headers: { 'X-Foo': ['1', '2'] }, check: (e) => expect(e.headers['x-foo-transformed']).toBe('1-first') },
  { it: 'header already exists in request', host: 'test22.test', path: '/', headers: { Authorization: 'Basic dGVzdDp0ZXN0', ...JSON_CT }, check: (e) => expect(e.headers.authorization).toBe('Basic test') },
  { it: 'header does not exist in request', host: 'test22.test', path: '/', headers: JSON_CT, check: (e) => expect(e.headers.authorization).toBe('Basic test') },
  { it: '(hybridctl) a template that fails to render answers 500', host: 'test30.test', path: '/', status: 500 },
];

describe('request-transformer (spec/03-plugins/36-request-transformer/02-access_spec.lua)', () => {
  const h = useCluster(fixture);
  for (const c of CASES) {
    it(c.it, async () => {
      const r = await h().send({ host: c.host, method: c.method, path: c.path, headers: c.headers, body: c.body });
      expect(r.status, r.body).toBe(c.status ?? 200);
      if (c.check) c.check(r.echo(), query(r.echo()));
    });
  }
});
