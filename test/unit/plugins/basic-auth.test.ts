// basic-auth, ported from Kong's spec/03-plugins/10-basic-auth/*_spec.lua (each case names its it()).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useCluster } from './harness.js';
import { basicAuth } from '../../../src/plugins/basic-auth/index.js';
import { decodeBase64 } from '../../../src/plugins/basic-auth/base64.js';
import { validateConfig } from '../../../src/plugins/schema/validate.js';
import { nodePlugins } from '../../../src/plugins/catalogue.js';
import { declarativeToConfigTable } from '../../../src/entities/index.js';

const BOB = '0b5a7c1e-2d3f-4a5b-8c6d-7e8f9a0b1c2d';
const ANON = '7b4d3a5e-1f2c-4a6b-9d8e-0c1b2a3f4e5d';
const MISSING = 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d';
const b64 = (s: string) => Buffer.from(s).toString('base64');

function fixture(): Record<string, unknown> {
  const route = (host: string, config?: Record<string, unknown>) => ({ name: host, hosts: [host], plugins: [{ name: 'basic-auth', ...(config ? { config } : {}) }] });
  return {
    consumers: [
      {
        id: BOB, username: 'bob', custom_id: 'bob-custom',
        basicauth_credentials: [
          { username: 'bob', password: 'kong' },
          { username: 'user123', password: 'password123' },
          { username: 'user321', password: 'password:123' },
          { username: 'jöhn', password: 'pässword' },
        ],
      },
      { id: ANON, username: 'no-body' },
    ],
    services: [{
      name: 'svc',
      routes: [
        route('basic-auth1.test', { realm: 'test-realm' }),
        route('basic-auth2.test', { hide_credentials: true }),
        route('basic-auth3.test', { anonymous: ANON }),
        route('basic-auth4.test', { anonymous: MISSING }),
        route('basic-auth5.test', { anonymous: 'no-body' }),
      ],
    }],
  };
}

interface Case {
  it: string;
  host: string;
  path?: string;
  headers?: Record<string, string>;
  status: number;
  message?: string;
  challenge?: string;
  upstream?: (e: Record<string, any>) => void;
}

const CASES: Case[] = [
  { it: 'returns Unauthorized on missing credentials (when realm is configured)', host: 'basic-auth1.test', path: '/status/200', status: 401, message: 'Unauthorized', challenge: 'Basic realm="test-realm"' },
  { it: 'returns Unauthorized on missing credentials (when realm is default)', host: 'basic-auth2.test', path: '/status/200', status: 401, message: 'Unauthorized', challenge: 'Basic realm="service"' },
  { it: 'returns 401 Unauthorized on invalid credentials in Authorization', host: 'basic-auth1.test', path: '/status/200', headers: { authorization: 'foobar' }, status: 401, message: 'Unauthorized', challenge: 'Basic realm="test-realm"' },
  { it: 'returns 401 Unauthorized on invalid credentials in Proxy-Authorization', host: 'basic-auth1.test', path: '/status/200', headers: { 'proxy-authorization': 'foobar' }, status: 401, message: 'Unauthorized', challenge: 'Basic realm="test-realm"' },
  { it: 'returns 401 Unauthorized on password only', host: 'basic-auth1.test', path: '/status/200', headers: { authorization: 'Basic a29uZw==' }, status: 401, message: 'Unauthorized', challenge: 'Basic realm="test-realm"' },
  { it: 'returns 401 Unauthorized on username only', host: 'basic-auth1.test', path: '/status/200', headers: { authorization: 'Basic Ym9i' }, status: 401, message: 'Unauthorized', challenge: 'Basic realm="test-realm"' },
  { it: 'authenticates valid credentials in Authorization', host: 'basic-auth1.test', path: '/status/200', headers: { authorization: 'Basic Ym9iOmtvbmc=' }, status: 200 },
  {
    it: 'authenticates valid credentials in Authorization (/request)', host: 'basic-auth1.test', path: '/request', headers: { authorization: 'Basic dXNlcjEyMzpwYXNzd29yZDEyMw==' }, status: 200,
    upstream: (e) => { expect(e.headers['x-consumer-username']).toBe('bob'); expect(e.headers['x-credential-identifier']).toBe('user123'); },
  },
  {
    it: "authenticates with a password containing ':'", host: 'basic-auth1.test', path: '/request', headers: { authorization: 'Basic dXNlcjMyMTpwYXNzd29yZDoxMjM=' }, status: 200,
    upstream: (e) => { expect(e.headers['x-consumer-username']).toBe('bob'); expect(e.headers['x-credential-identifier']).toBe('user321'); },
  },
  { it: 'returns 401 for valid Base64 encoding', host: 'basic-auth1.test', path: '/status/200', headers: { authorization: 'Basic adXNlcjEyMzpwYXNzd29yZDEyMw==' }, status: 401, message: 'Unauthorized', challenge: 'Basic realm="test-realm"' },
  { it: 'authenticates valid credentials in Proxy-Authorization', host: 'basic-auth1.test', path: '/status/200', headers: { 'proxy-authorization': 'Basic Ym9iOmtvbmc=' }, status: 200 },
  {
    it: 'sends Consumer headers to upstream', host: 'basic-auth1.test', path: '/request', headers: { authorization: 'Basic Ym9iOmtvbmc=' }, status: 200,
    upstream: (e) => {
      expect(e.headers['x-consumer-id']).toBe(BOB);
      expect(e.headers['x-consumer-username']).toBe('bob');
      expect(e.headers['x-consumer-custom-id']).toBe('bob-custom');
      expect(e.headers['x-credential-identifier']).toBe('bob');
      expect(e.headers['x-anonymous-consumer']).toBeUndefined();
    },
  },
  { it: 'false sends key to upstream', host: 'basic-auth1.test', path: '/request', headers: { authorization: 'Basic Ym9iOmtvbmc=' }, status: 200, upstream: (e) => expect(e.headers.authorization).toBe('Basic Ym9iOmtvbmc=') },
  { it: "true doesn't send key to upstream", host: 'basic-auth2.test', path: '/request', headers: { authorization: 'Basic Ym9iOmtvbmc=' }, status: 200, upstream: (e) => expect(e.headers.authorization).toBeUndefined() },
  {
    it: 'works with right credentials and anonymous', host: 'basic-auth3.test', path: '/request', headers: { authorization: 'Basic dXNlcjEyMzpwYXNzd29yZDEyMw==' }, status: 200,
    upstream: (e) => { expect(e.headers['x-consumer-username']).toBe('bob'); expect(e.headers['x-credential-identifier']).toBe('user123'); expect(e.headers['x-anonymous-consumer']).toBeUndefined(); },
  },
  {
    it: 'works with wrong credentials and anonymous', host: 'basic-auth3.test', path: '/request', status: 200,
    upstream: (e) => { expect(e.headers['x-anonymous-consumer']).toBe('true'); expect(e.headers['x-consumer-username']).toBe('no-body'); expect(e.headers['x-credential-identifier']).toBeUndefined(); },
  },
  { it: 'works with wrong credentials and username in anonymous', host: 'basic-auth5.test', path: '/request', status: 200, upstream: (e) => { expect(e.headers['x-anonymous-consumer']).toBe('true'); expect(e.headers['x-consumer-username']).toBe('no-body'); } },
  { it: "errors when anonymous user doesn't exist", host: 'basic-auth4.test', path: '/request', status: 500, message: `anonymous consumer ${MISSING} is configured but doesn't exist` },
  // Own cases: Kong's parsing details.
  { it: '(hybridctl) a wrong password is Unauthorized', host: 'basic-auth1.test', path: '/status/200', headers: { authorization: `Basic ${b64('bob:kong2')}` }, status: 401, message: 'Unauthorized' },
  { it: '(hybridctl) an unknown username is Unauthorized', host: 'basic-auth1.test', path: '/status/200', headers: { authorization: `Basic ${b64('alice:kong')}` }, status: 401, message: 'Unauthorized' },
  { it: '(hybridctl) "basic" in lower case and without a space is accepted, as Kong\'s pattern allows', host: 'basic-auth1.test', path: '/status/200', headers: { authorization: `basic${b64('bob:kong')}` }, status: 200 },
  { it: '(hybridctl) leading colons are skipped before the username, as Kong\'s pattern does', host: 'basic-auth1.test', path: '/request', headers: { authorization: `Basic ${b64('::bob:kong')}` }, status: 200, upstream: (e) => expect(e.headers['x-credential-identifier']).toBe('bob') },
  { it: '(hybridctl) URL-safe base64 is not base64 to nginx', host: 'basic-auth1.test', path: '/status/200', headers: { authorization: 'Basic Ym9iOm_vbmc=' }, status: 401 },
  { it: '(hybridctl) UTF-8 usernames and passwords authenticate', host: 'basic-auth1.test', path: '/request', headers: { authorization: `Basic ${b64('jöhn:pässword')}` }, status: 200, upstream: (e) => expect(e.headers['x-consumer-username']).toBe('bob') },
  {
    it: '(hybridctl) a wrong Proxy-Authorization user falls back to Authorization', host: 'basic-auth1.test', path: '/request', headers: { 'proxy-authorization': `Basic ${b64('nobody:x')}`, authorization: 'Basic Ym9iOmtvbmc=' }, status: 200,
    upstream: (e) => expect(e.headers['x-credential-identifier']).toBe('bob'),
  },
  { it: '(hybridctl) a known Proxy-Authorization user with a wrong password is not retried with Authorization', host: 'basic-auth1.test', path: '/status/200', headers: { 'proxy-authorization': `Basic ${b64('bob:nope')}`, authorization: 'Basic Ym9iOmtvbmc=' }, status: 401 },
  { it: '(hybridctl) hide_credentials removes Proxy-Authorization too', host: 'basic-auth2.test', path: '/request', headers: { 'proxy-authorization': 'Basic Ym9iOmtvbmc=' }, status: 200, upstream: (e) => expect(e.headers['proxy-authorization']).toBeUndefined() },
  { it: '(hybridctl) anonymous replaces a client-sent X-Anonymous-Consumer and consumer headers on success', host: 'basic-auth3.test', path: '/request', headers: { authorization: 'Basic Ym9iOmtvbmc=', 'x-anonymous-consumer': 'true', 'x-consumer-custom-id': 'forged' }, status: 200, upstream: (e) => { expect(e.headers['x-anonymous-consumer']).toBeUndefined(); expect(e.headers['x-consumer-custom-id']).toBe('bob-custom'); } },
];

describe('basic-auth (spec/03-plugins/10-basic-auth/03-access_spec.lua)', () => {
  const h = useCluster(fixture);
  for (const c of CASES) {
    it(c.it, async () => {
      const r = await h().send({ host: c.host, path: c.path, headers: c.headers });
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

describe('basic-auth logical AND / OR with key-auth (spec/03-plugins/10-basic-auth/03-access_spec.lua)', () => {
  const USER1 = '11111111-1111-4111-8111-111111111111';
  const USER2 = '22222222-2222-4222-8222-222222222222';
  const ANONYMOUS = '33333333-3333-4333-8333-333333333333';
  const h = useCluster(() => ({
    consumers: [
      { id: ANONYMOUS, username: 'Anonymous' },
      { id: USER1, username: 'Mickey', keyauth_credentials: [{ key: 'Mouse' }] },
      { id: USER2, username: 'Aladdin', basicauth_credentials: [{ username: 'Aladdin', password: 'OpenSesame' }] },
    ],
    services: [{
      name: 'svc',
      routes: [
        { name: 'and', hosts: ['logical-and.test'], plugins: [{ name: 'basic-auth' }, { name: 'key-auth' }] },
        { name: 'or', hosts: ['logical-or.test'], plugins: [{ name: 'basic-auth', config: { anonymous: ANONYMOUS } }, { name: 'key-auth', config: { anonymous: ANONYMOUS } }] },
      ],
    }],
  }));
  const BASIC = 'Basic QWxhZGRpbjpPcGVuU2VzYW1l';
  const cases: { it: string; host: string; headers: Record<string, string>; status: number; consumer?: string[]; anonymous?: boolean; challenge?: string }[] = [
    { it: 'passes with all credentials provided (logical AND)', host: 'logical-and.test', headers: { apikey: 'Mouse', authorization: BASIC }, status: 200, consumer: [USER1, USER2], anonymous: false },
    { it: 'fails 401, with only the first credential provided', host: 'logical-and.test', headers: { apikey: 'Mouse' }, status: 401, challenge: 'Basic realm="service"' },
    { it: 'fails 401, with only the second credential provided', host: 'logical-and.test', headers: { authorization: BASIC }, status: 401, challenge: 'Key' },
    { it: 'fails 401, with no credential provided', host: 'logical-and.test', headers: {}, status: 401, challenge: 'Key' },
    { it: 'passes with all credentials provided (logical OR)', host: 'logical-or.test', headers: { apikey: 'Mouse', authorization: BASIC }, status: 200, consumer: [USER1, USER2], anonymous: false },
    { it: 'passes with only the first credential provided', host: 'logical-or.test', headers: { apikey: 'Mouse' }, status: 200, consumer: [USER1], anonymous: false },
    { it: 'passes with only the second credential provided', host: 'logical-or.test', headers: { authorization: BASIC }, status: 200, consumer: [USER2], anonymous: false },
    { it: 'passes with no credential provided', host: 'logical-or.test', headers: {}, status: 200, consumer: [ANONYMOUS], anonymous: true },
  ];
  for (const c of cases) {
    it(c.it, async () => {
      const r = await h().send({ host: c.host, path: '/request', headers: c.headers });
      expect(r.status, r.body).toBe(c.status);
      if (c.challenge) expect(r.headers['www-authenticate']).toBe(c.challenge);
      if (c.consumer) expect(c.consumer).toContain(r.echo().headers['x-consumer-id']);
      if (c.anonymous !== undefined) expect(r.echo().headers['x-anonymous-consumer']).toBe(c.anonymous ? 'true' : undefined);
    });
  }
});

describe('basic-auth schema (kong/plugins/basic-auth/schema.lua)', () => {
  it('(hybridctl) defaults realm to "service" and hide_credentials to false', () => {
    const r = validateConfig(basicAuth.schema, {});
    expect(r.errors).toBeNull();
    expect(r.config).toEqual({ anonymous: null, hide_credentials: false, realm: 'service' });
  });
  it('(hybridctl) refuses a non-boolean hide_credentials and an unknown field', () => {
    const r = validateConfig(basicAuth.schema, { hide_credentials: 'yes', realm: 1, foo: 1 });
    expect(r.errors).toEqual({ hide_credentials: 'expected a boolean', realm: 'expected a string', foo: 'unknown field' });
  });
  it('(hybridctl) cannot be scoped to a consumer (typedefs.no_consumer)', () => {
    const cat = nodePlugins(new Map([[basicAuth.name, basicAuth]]), 'control_plane');
    const r = cat.check({ name: 'basic-auth', config: {}, consumer: { id: BOB }, protocols: ['http'] });
    expect(r.errors).toEqual({ consumer: 'value must be null' });
  });
});

describe('basic-auth crypto (spec/03-plugins/10-basic-auth/01-crypto_spec.lua)', () => {
  it('(hybridctl) the stored hash is sha1(password .. consumer_id), which the plugin checks', () => {
    const doc = { _format_version: '3.0', consumers: [{ id: BOB, username: 'bob', basicauth_credentials: [{ username: 'bob', password: 'kong' }] }] };
    const table = declarativeToConfigTable(doc, nodePlugins(new Map([[basicAuth.name, basicAuth]]), 'control_plane')) as Record<string, any>;
    expect(table.basicauth_credentials[0].password).toBe(createHash('sha1').update(`kong${BOB}`).digest('hex'));
  });
  it('(hybridctl) decodes base64 as nginx does', () => {
    expect(decodeBase64('Ym9iOmtvbmc=')?.toString()).toBe('bob:kong');
    expect(decodeBase64('Ym9iOmtvbmc')?.toString()).toBe('bob:kong');
    expect(decodeBase64('Ym9i=garbage!')?.toString()).toBe('bob');
    expect(decodeBase64('Ym9iO')).toBeNull();
    expect(decodeBase64('Ym9i Omtv')).toBeNull();
    expect(decodeBase64('Ym9i_-')).toBeNull();
  });
});
