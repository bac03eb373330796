// key-auth, ported from Kong's spec/03-plugins/09-key-auth/02-access_spec.lua (each case names its it()).
import { describe, expect, it } from 'vitest';
import { useCluster } from './harness.js';

const ANON = '7b4d3a5e-1f2c-4a6b-9d8e-0c1b2a3f4e5d';
const MISSING = 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d';

function fixture(): Record<string, unknown> {
  const route = (host: string, config?: Record<string, unknown>) => ({ name: host, hosts: [host], plugins: [{ name: 'key-auth', ...(config ? { config } : {}) }] });
  return {
    consumers: [
      { username: 'bob', keyauth_credentials: [{ key: 'kong' }] },
      { id: ANON, username: 'no-body' },
    ],
    services: [{
      name: 'svc',
      routes: [
        route('key-auth1.test'),
        route('key-auth2.test', { hide_credentials: true, realm: 'test-realm' }),
        route('key-auth3.test', { anonymous: ANON }),
        route('key-auth4.test', { anonymous: MISSING }),
        route('key-auth5.test', { key_in_body: true }),
        route('key-auth6.test', { key_in_body: true, hide_credentials: true }),
        route('key-auth7.test', { run_on_preflight: false }),
        route('key-auth8.test', { key_names: ['api_key'] }),
        route('key-auth10.test', { anonymous: 'no-body' }),
        { name: 'open', hosts: ['open.test'] },
      ],
    }],
  };
}

interface Case {
  it: string;
  host: string;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  status: number;
  message?: string;
  challenge?: string;
  upstream?: (e: Record<string, any>) => void;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

const CASES: Case[] = [
  { it: 'returns 200 on OPTIONS requests if run_on_preflight is false', host: 'key-auth7.test', method: 'OPTIONS', path: '/status/200', status: 200 },
  { it: 'returns Unauthorized on OPTIONS requests if run_on_preflight is true', host: 'key-auth1.test', method: 'OPTIONS', path: '/status/200', status: 401, message: 'No API key found in request' },
  { it: 'returns Unauthorized on missing credentials', host: 'key-auth1.test', path: '/status/200', status: 401, message: 'No API key found in request', challenge: 'Key' },
  { it: 'returns Unauthorized on empty key header', host: 'key-auth1.test', path: '/status/200', headers: { apikey: '' }, status: 401, message: 'No API key found in request', challenge: 'Key' },
  { it: 'returns Unauthorized on empty key header with conifgured realm', host: 'key-auth2.test', path: '/status/200', headers: { apikey: '' }, status: 401, challenge: 'Key realm="test-realm"' },
  { it: 'returns Unauthorized on empty key querystring', host: 'key-auth1.test', path: '/status/200?apikey', status: 401, message: 'No API key found in request', challenge: 'Key' },
  { it: 'authenticates valid credentials (key in querystring)', host: 'key-auth1.test', path: '/request?apikey=kong', status: 200 },
  { it: 'returns 401 Unauthorized on invalid key', host: 'key-auth1.test', path: '/status/200?apikey=123', status: 401, message: 'Unauthorized', challenge: 'Key' },
  { it: 'handles duplicated key in querystring', host: 'key-auth1.test', path: '/status/200?apikey=kong&apikey=kong', status: 401, message: 'Duplicate API key found' },
  { it: 'handles duplicated key (body)', host: 'key-auth5.test', method: 'POST', path: '/status/200', headers: FORM, body: 'apikey=kong&apikey=kong', status: 401, message: 'Duplicate API key found' },
  { it: 'does not identify apikey[] as api keys', host: 'key-auth5.test', method: 'POST', path: '/status/200', headers: FORM, body: 'apikey[]=kong&apikey[]=kong', status: 401, message: 'No API key found in request' },
  { it: 'authenticates valid credentials (key in body)', host: 'key-auth5.test', method: 'POST', path: '/request', headers: FORM, body: 'apikey=kong&foo=bar', status: 200, upstream: (e) => expect(e.body).toBe('apikey=kong&foo=bar') },
  { it: 'authenticates valid credentials (key in headers)', host: 'key-auth1.test', path: '/request', headers: { apikey: 'kong' }, status: 200 },
  { it: 'authenticates valid credentials (underscores or hyphens) — api_key', host: 'key-auth8.test', path: '/request', headers: { api_key: 'kong' }, status: 200 },
  { it: 'authenticates valid credentials (underscores or hyphens) — api-key', host: 'key-auth8.test', path: '/request', headers: { 'api-key': 'kong' }, status: 200 },
  {
    it: 'sends Consumer headers to upstream', host: 'key-auth1.test', path: '/request?apikey=kong', status: 200,
    upstream: (e) => {
      expect(e.headers['x-consumer-username']).toBe('bob');
      expect(e.headers['x-consumer-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(e.headers['x-credential-identifier']).toMatch(/^[0-9a-f-]{36}$/);
      expect(e.headers['x-anonymous-consumer']).toBeUndefined();
    },
  },
  { it: "fails with 'key_in_body' and unsupported content type", host: 'key-auth6.test', method: 'POST', path: '/status/200', headers: { 'content-type': 'text/plain' }, body: 'foobar', status: 401, message: 'No API key found in request' },
  { it: 'does not remove apikey and preserves order of query parameters', host: 'key-auth1.test', path: '/request?c=value1&b=value2&apikey=kong&a=value3', status: 200, upstream: (e) => expect(e.url).toBe('/request?c=value1&b=value2&apikey=kong&a=value3') },
  { it: 'removes apikey and preserves order of query parameters', host: 'key-auth2.test', path: '/request?c=valu%651&b=value2&api%6B%65%79=kong&a=valu%653', status: 200, upstream: (e) => expect(e.url).toBe('/request?c=value1&b=value2&a=value3') },
  { it: 'hide_credentials: removes the key header', host: 'key-auth2.test', path: '/request', headers: { apikey: 'kong' }, status: 200, upstream: (e) => expect(e.headers.apikey).toBeUndefined() },
  { it: 'hide_credentials: removes the key from the body', host: 'key-auth6.test', method: 'POST', path: '/request', headers: FORM, body: 'apikey=kong&foo=bar', status: 200, upstream: (e) => expect(e.body).toBe('foo=bar') },
  { it: 'works with right credentials and anonymous', host: 'key-auth3.test', path: '/request?apikey=kong', status: 200, upstream: (e) => { expect(e.headers['x-consumer-username']).toBe('bob'); expect(e.headers['x-anonymous-consumer']).toBeUndefined(); } },
  {
    it: 'works with wrong credentials and anonymous', host: 'key-auth3.test', path: '/request', status: 200,
    upstream: (e) => { expect(e.headers['x-anonymous-consumer']).toBe('true'); expect(e.headers['x-consumer-username']).toBe('no-body'); expect(e.headers['x-credential-identifier']).toBeUndefined(); },
  },
  { it: 'works with wrong credentials and username as anonymous', host: 'key-auth10.test', path: '/request', status: 200, upstream: (e) => { expect(e.headers['x-anonymous-consumer']).toBe('true'); expect(e.headers['x-consumer-username']).toBe('no-body'); } },
  { it: "errors when anonymous user doesn't exist", host: 'key-auth4.test', path: '/request', status: 500, message: `anonymous consumer ${MISSING} is configured but doesn't exist` },
  { it: '(hybridctl) a route without the plugin is not affected', host: 'open.test', path: '/request', status: 200 },
];

describe('key-auth (spec/03-plugins/09-key-auth/02-access_spec.lua)', () => {
  const h = useCluster(fixture);
  for (const c of CASES) {
    it(c.it, async () => {
      const r = await h().send({ host: c.host, method: c.method, path: c.path, headers: c.headers, body: c.body });
      expect(r.status, r.body).toBe(c.status);
      if (c.message) {
        expect(r.json().message).toBe(c.message);
        expect(r.json().request_id).toBe(r.headers['x-kong-request-id']);
      }
      if (c.challenge) expect(r.headers['www-authenticate']).toBe(c.challenge);
      if (c.upstream) c.upstream(r.echo() as unknown as Record<string, any>);
    });
  }
});
