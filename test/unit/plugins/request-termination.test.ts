// request-termination, ported from Kong's spec/03-plugins/14-request-termination/{01-schema,02-access,03-integration}_spec.lua
// (each case names its it()).
import { describe, expect, it } from 'vitest';
import { requestTermination } from '../../../src/plugins/request-termination/index.js';
import { validateConfig } from '../../../src/plugins/schema/validate.js';
import { nodePlugins } from '../../../src/plugins/catalogue.js';
import { SERVER_HEADER } from '../../../src/proxy/responses.js';
import { useCluster } from './harness.js';

const catalogue = nodePlugins(new Map([[requestTermination.name, requestTermination]]), 'control_plane');
const check = (config: Record<string, unknown>) => catalogue.check({ name: 'request-termination', config, protocols: ['http'] }).errors;

describe('request-termination (spec/03-plugins/14-request-termination/01-schema_spec.lua)', () => {
  it('should accept a valid status_code', () => expect(check({ status_code: 404 })).toBeNull());
  it('should accept a valid message', () => expect(check({ message: 'Not found' })).toBeNull());
  it('should accept a valid content_type', () => expect(check({ content_type: 'text/html', body: '<body><h1>Service is down for maintenance</h1></body>' })).toBeNull());
  it('should accept a valid body', () => expect(check({ body: '<body><h1>Service is down for maintenance</h1></body>' })).toBeNull());
  it('(hybridctl) fills Kong\'s defaults', () => {
    expect(validateConfig(requestTermination.schema, {}).config).toEqual({ status_code: 503, message: null, content_type: null, body: null, echo: false, trigger: null });
  });
  const bad: [string, Record<string, unknown>, unknown][] = [
    ['status_code should only accept numbers', { status_code: 'abcd' }, { config: { status_code: 'expected an integer' } }],
    ['status_code < 100', { status_code: 99 }, { config: { status_code: 'value should be between 100 and 599' } }],
    ['status_code > 599', { status_code: 600 }, { config: { status_code: 'value should be between 100 and 599' } }],
    ['#message with body', { message: 'error', body: 'test' }, { config: 'message cannot be used with content_type or body' }],
    ['#message with body and content_type', { message: 'error', content_type: 'text/html', body: 'test' }, { config: 'message cannot be used with content_type or body' }],
    ['#message with content_type', { message: 'error', content_type: 'text/html' }, { config: 'message cannot be used with content_type or body' }],
    ['#content_type without body', { content_type: 'text/html' }, { config: 'content_type requires a body' }],
    ['#echo with body & content_type', { echo: true, content_type: 'text/html', body: 'test' }, { config: 'echo cannot be used with content_type and body' }],
    ['(hybridctl) trigger must be a header name', { trigger: 'no spaces' }, { config: { trigger: "bad header name 'no spaces', allowed characters are A-Z, a-z, 0-9, '_', and '-'" } }],
  ];
  for (const [title, config, errors] of bad) it(title, () => expect(check(config)).toEqual(errors));
});

const HTML_DOWN = '<html><body><h1>Service is down for maintenance</h1></body></html>';
const HTML_451 = '<html><body><h1>Service is down due to content infringement</h1></body></html>';
const JSON_BODY = '{"code": 1, "message": "Service unavailable"}';

function fixture(): Record<string, unknown> {
  const route = (n: number, config: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    name: `api${n}`, hosts: [`api${n}.request-termination.test`], ...extra, plugins: [{ name: 'request-termination', config }],
  });
  return {
    consumers: [{ username: 'bob', keyauth_credentials: [{ key: 'kong' }], plugins: [{ name: 'request-termination', config: { status_code: 403, message: 'Consumer blocked' } }] }],
    routes: [{ name: 'serviceless', hosts: ['serviceless.request-termination.test'], plugins: [{ name: 'request-termination' }] }],
    services: [{
      name: 'svc',
      routes: [
        route(1, {}),
        route(2, { status_code: 404 }),
        route(3, { status_code: 406, message: 'Invalid' }),
        route(4, { body: HTML_DOWN }),
        route(5, { status_code: 451, content_type: 'text/html', body: HTML_451 }),
        route(6, { status_code: 503, body: JSON_BODY }),
        route(8, { status_code: 204 }),
        route(9, { echo: true, status_code: 404 }, { paths: ['~/(?<parameter>[^#?/]+)/200'] }),
        route(10, { echo: true, status_code: 404, trigger: 'gimme-an-echo' }),
        route(11, { status_code: 418 }),
        { name: 'consumer', hosts: ['consumer.request-termination.test'], plugins: [{ name: 'key-auth' }] },
      ],
    }],
  };
}

interface Case {
  it: string;
  host: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  status: number;
  /** Exact response body. */
  exact?: string;
  json?: unknown;
  contentType?: string | null;
  then?: (r: { headers: Record<string, unknown>; json(): any }) => void;
}

const h = (n: number) => `api${n}.request-termination.test`;
const CASES: Case[] = [
  { it: 'default status code and message', host: h(1), status: 503, json: { message: 'Service unavailable' }, contentType: 'application/json; charset=utf-8' },
  { it: 'status code with default message', host: h(2), status: 404, json: { message: 'Not found' } },
  { it: 'status code with custom message', host: h(3), status: 406, json: { message: 'Invalid' } },
  { it: '(hybridctl) returns 204 with an empty body', host: h(8), path: '/status/204', status: 204, exact: '' },
  { it: 'default status code and body', host: h(4), status: 503, exact: HTML_DOWN, contentType: null },
  { it: 'status code with default message (body)', host: h(5), status: 451, exact: HTML_451, contentType: 'text/html' },
  { it: 'status code with custom message (body)', host: h(6), status: 503, exact: JSON_BODY, contentType: null },
  { it: 'returns server tokens with Server header', host: h(1), status: 503, then: (r) => expect(r.headers.server).toBe(SERVER_HEADER) },
  { it: '(hybridctl) a status without a default message has an empty body', host: h(11), status: 418, exact: '', then: (r) => expect(r.headers['content-length']).toBe('0') },
  { it: '(hybridctl) exit adds no request_id', host: h(2), status: 404, then: (r) => expect(r.json().request_id).toBeUndefined() },
  {
    it: 'echos a request if no trigger is set', host: h(9), path: '/status/200?hello=there', body: 'cool body', status: 404,
    then: (r) => {
      const json = r.json();
      expect(json.matched_route.hosts[0]).toBe(h(9));
      expect(json.matched_service.name).toBe('svc');
      expect(json.message).toBe('Not found');
      expect(typeof json.kong.worker_pid).toBe('number');
      // The test client's own headers, not the proxy's.
      delete json.request.headers.connection;
      expect(json.request).toEqual({
        headers: { 'content-length': '9', host: h(9) }, host: h(9), method: 'GET', path: '/status/200', port: json.request.port,
        query: { hello: 'there' }, raw_body: 'cool body', scheme: 'http', uri_captures: { named: { parameter: 'status' }, unnamed: ['status'] },
      });
      expect(json.request.port).toBeGreaterThan(0);
    },
  },
  { it: "doesn't echo a request if the trigger is set but not specified", host: h(10), path: '/status/200', status: 200 },
  {
    it: 'echos a request if the trigger is specified as a header', host: h(10), path: '/status/200?hello=there', headers: { 'Gimme-An-Echo': 'anything will do' }, body: 'cool body', status: 404,
    then: (r) => {
      const json = r.json();
      expect(json.matched_route.hosts[0]).toBe(h(10));
      expect(json.request.headers['gimme-an-echo']).toBe('anything will do');
      expect(json.request.uri_captures).toEqual({ named: {}, unnamed: [] });
      expect(json.request.raw_body).toBe('cool body');
    },
  },
  {
    it: 'echos a request if the trigger is specified as a query parameter', host: h(10), path: '/status/200?gimme-an-echo=anything', status: 404,
    then: (r) => expect(r.json().request.query).toEqual({ 'gimme-an-echo': 'anything' }),
  },
  {
    it: '(hybridctl) echoes a parsed JSON body', host: h(9), path: '/x/200', headers: { 'content-type': 'application/json' }, body: '{"a":1}', status: 404,
    then: (r) => expect(r.json().request.body).toEqual({ a: 1 }),
  },
  { it: 'default status code and message with serviceless route', host: 'serviceless.request-termination.test', path: '/status/200', status: 503, json: { message: 'Service unavailable' } },
  // 03-integration_spec.lua: the consumer's config applies once key-auth identified the consumer.
  { it: 'can be applied on a consumer', host: 'consumer.request-termination.test', path: '/status/200?apikey=kong', status: 403, json: { message: 'Consumer blocked' } },
  { it: '(hybridctl) other consumers are not terminated', host: 'consumer.request-termination.test', path: '/status/200', status: 401 },
];

describe('request-termination (spec/03-plugins/14-request-termination/02-access_spec.lua)', () => {
  const hs = useCluster(fixture);
  it('returns 204 without content length header', async () => {
    const r = await hs().send({ host: h(8), path: '/status/200' });
    expect(r.status).toBe(204);
    expect(r.headers['content-length']).toBeUndefined();
    expect(r.body).toBe('');
  });
  for (const c of CASES) {
    it(c.it, async () => {
      // Node's client sends no Content-Length for a GET body by itself.
      const headers = c.body !== undefined ? { 'content-length': String(Buffer.byteLength(c.body)), ...c.headers } : c.headers;
      const r = await hs().send({ host: c.host, path: c.path ?? '/status/200', headers, body: c.body });
      expect(r.status, r.body).toBe(c.status);
      if (c.exact !== undefined) expect(r.body).toBe(c.exact);
      if (c.json !== undefined) expect(r.json()).toEqual(c.json);
      if (c.contentType !== undefined) expect(r.headers['content-type']).toBe(c.contentType ?? undefined);
      c.then?.(r as never);
    });
  }
});
