// cors, ported from Kong's spec/03-plugins/13-cors/{01-access,02-schema}_spec.lua (each case names
// its it(); Kong's multi-request it()s are split into one case per request, suffixed " — <origin>").
import { describe, expect, it } from 'vitest';
import { cors } from '../../../src/plugins/cors/index.js';
import { normalizeOrigin } from '../../../src/plugins/cors/origins.js';
import { validateConfig } from '../../../src/plugins/schema/validate.js';
import { nodePlugins } from '../../../src/plugins/catalogue.js';
import type { PluginModule } from '../../../src/plugins/types.js';
import { useHarness } from './harness.js';

const DEFAULT_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT';
const ACAO = 'access-control-allow-origin';
const ACAC = 'access-control-allow-credentials';
const ACAM = 'access-control-allow-methods';
const ACAH = 'access-control-allow-headers';
const ACEH = 'access-control-expose-headers';
const MAXAGE = 'access-control-max-age';

const errorGeneratorLast: PluginModule = {
  name: 'error-generator-last', version: '3.10.0', priority: -1000000, schema: { fields: [] },
  access() {
    throw new Error('[error-generator-last] access');
  },
};

describe('cors (spec/03-plugins/13-cors/02-schema_spec.lua)', () => {
  const catalogue = nodePlugins(new Map([[cors.name, cors]]), 'control_plane');
  it('validates \'*\'', () => expect(validateConfig(cors.schema, { origins: ['*'] }).errors).toBeNull());
  it('validates what looks like a domain', () => expect(validateConfig(cors.schema, { origins: ['example.com'] }).errors).toBeNull());
  it('validates what looks like a regex', () => expect(validateConfig(cors.schema, { origins: ['[a-z]+.example.com'] }).errors).toBeNull());
  it('with invalid regex in origins', () => {
    expect(validateConfig(cors.schema, { origins: ['.*.example.com', 'invalid_**regex'] }).errors).toEqual({ origins: { 2: "'invalid_**regex' is not a valid regex" } });
  });
  it('with invalid method', () => {
    expect(validateConfig(cors.schema, { methods: ['GET', 'FOO'] }).errors).toEqual({ methods: { 2: 'expected one of: GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS, TRACE, CONNECT' } });
  });
  it('(hybridctl) cannot be scoped to a consumer', () => {
    expect(catalogue.check({ name: 'cors', config: {}, consumer: { id: 'c' }, protocols: ['http'] }).errors).toEqual({ consumer: 'value must be null' });
  });
  it('(hybridctl) refuses PCRE-only syntax JavaScript would read differently', () => {
    for (const o of ['\\Afoo\\.test\\z', '[[:alpha:]]+\\.test', '(?i)foo\\.test']) {
      expect((validateConfig(cors.schema, { origins: [o] }).errors?.origins as Record<string, string>)[1]).toMatch(/regex|PCRE/);
    }
  });
  it('(hybridctl) fills Kong\'s defaults', () => {
    expect(validateConfig(cors.schema, {}).config).toEqual({
      origins: null, headers: null, exposed_headers: null, methods: DEFAULT_METHODS.split(','), max_age: null,
      credentials: false, private_network: false, preflight_continue: false, allow_origin_absent: true,
    });
  });
});

describe('(hybridctl) cors origin normalization (LuaSocket url.parse)', () => {
  const cases: [string, string, string][] = [
    ['http://foo.test:80', 'http://foo.test', 'foo.test'],
    ['https://foo.test:443', 'https://foo.test', 'foo.test'],
    ['https://foo.test:80', 'https://foo.test:80', 'foo.test'],
    ['foo.test', 'foo.test', 'foo.test'],
    ['localhost:3000', 'localhost:3000', 'localhost:3000'],
    ['http://user@foo.test:8000/path', 'http://foo.test:8000', 'foo.test'],
    ['http://[::1]:8000', 'http://::1:8000', '::1'],
  ];
  for (const [input, domain, host] of cases) it(`${input} → ${domain}`, () => expect(normalizeOrigin(input)).toEqual({ domain, host }));
});

// Kong's regex_testcases table: origins → { request Origin: true (echoed) | false (rejected) | the ACAO expected }.
const REGEX_CASES: { origins: string[]; tests: Record<string, boolean | string> }[] = [
  { origins: ['foo.test'], tests: { 'http://evil.test': 'foo.test', 'http://foo.test': 'foo.test', 'http://foo.test.evil.test': 'foo.test', 'http://something.foo.test': 'foo.test', 'http://evilfoo.test': 'foo.test', 'http://foo.test:80': 'foo.test', 'http://foo.test:8000': 'foo.test', 'https://foo.test:8000': 'foo.test', 'http://foo.test:90': 'foo.test', 'http://foobtest': 'foo.test', 'https://bar.test:1234': 'foo.test' } },
  { origins: ['https://bar.test:1234'], tests: { 'http://evil.test': 'https://bar.test:1234', 'http://foo.test': 'https://bar.test:1234', 'http://foo.test:80': 'https://bar.test:1234', 'https://bar.test:1234': 'https://bar.test:1234' } },
  { origins: ['foo\\.test'], tests: { 'http://evil.test': false, 'http://foo.test': true, 'http://foo.test.evil.test': false, 'http://something.foo.test': false, 'http://evilfoo.test': false, 'http://foo.test:80': 'http://foo.test', 'http://foo.test:8000': true, 'https://foo.test:8000': true, 'http://foo.test:90': true, 'http://foobtest': false, 'https://bar.test:1234': false } },
  { origins: ['(.*[./])?foo\\.test'], tests: { 'http://evil.test': false, 'http://foo.test': true, 'http://foo.test.evil.test': false, 'http://something.foo.test': true, 'http://evilfoo.test': false, 'http://foo.test:80': 'http://foo.test', 'http://foo.test:8000': true, 'https://foo.test:8000': true, 'http://foo.test:90': true, 'http://foobtest': false, 'https://bar.test:1234': false } },
  { origins: ['(.*[./])?foo\\.test:8000'], tests: { 'http://evil.test': false, 'http://foo.test': false, 'http://foo.test.evil.test': false, 'http://something.foo.test': false, 'http://evilfoo.test': false, 'http://foo.test:80': false, 'http://foo.test:8000': true, 'https://foo.test:8000': true, 'http://foo.test:90': false, 'http://foobtest': false, 'https://bar.test:1234': false } },
  { origins: ['https://(.*[.])?foo\\.test:8000'], tests: { 'http://evil.test': false, 'http://foo.test': false, 'http://foo.test.evil.test': false, 'http://something.foo.test': false, 'http://foo.test:80': false, 'http://foo.test:8000': false, 'https://foo.test:8000': true, 'http://foo.test:90': false, 'http://foobtest': false, 'https://bar.test:1234': false } },
  { origins: ['^http://(.*[.])?foo\\.test(:(80|90))?$'], tests: { 'http://evil.test': false, 'http://foo.test': true, 'http://foo.test.evil.test': false, 'http://something.foo.test': true, 'http://foo.test:80': 'http://foo.test', 'http://foo.test:8000': false, 'https://foo.test:8000': false, 'http://foo.test:90': true, 'http://foobtest': false, 'https://bar.test:1234': false } },
  { origins: ['foo.test', 'bar.test'], tests: { 'http://evil.test': false, 'http://foo.test': false, 'http://foo.test.evil.test': false, 'http://foo.test:80': false, 'http://foo.test:8000': false, 'http://foo.test:90': false, 'http://foobtest': false, 'https://bar.test:1234': false } },
  { origins: ['http://foo.test', 'https://bar.test:1234'], tests: { 'http://evil.test': false, 'http://foo.test': true, 'http://foo.test.evil.test': false, 'http://foo.test:80': 'http://foo.test', 'http://foo.test:8000': false, 'http://foo.test:90': false, 'http://foobtest': false, 'https://bar.test:1234': true } },
  { origins: ['bar.test', 'foo\\.test'], tests: { 'http://evil.test': false, 'http://foo.test': true, 'http://foo.test.evil.test': false, 'http://something.foo.test': false, 'http://foo.test:80': 'http://foo.test', 'http://foo.test:8000': true, 'http://foo.test:90': true, 'http://foobtest': false, 'https://bar.test:1234': false } },
  { origins: ['bar.test', '(.*\\.)?foo\\.test'], tests: { 'http://evil.test': false, 'http://foo.test': true, 'http://foo.test.evil.test': false, 'http://something.foo.test': true, 'http://foo.test:80': 'http://foo.test', 'http://foo.test:8000': true, 'http://foo.test:90': true, 'http://foobtest': false, 'https://bar.test:1234': false } },
  { origins: ['bar.test', '(.*[./])?foo\\.test:8000'], tests: { 'http://evil.test': false, 'http://foo.test': false, 'http://foo.test.evil.test': false, 'http://something.foo.test': false, 'http://foo.test:80': false, 'http://foo.test:8000': true, 'https://foo.test:8000': true, 'http://foo.test:90': false, 'http://foobtest': false, 'https://bar.test:1234': false } },
  { origins: ['bar.test', 'https://(.*\\.)?foo\\.test:8000'], tests: { 'http://evil.test': false, 'http://foo.test': false, 'http://foo.test.evil.test': false, 'http://something.foo.test': false, 'http://foo.test:80': false, 'http://foo.test:8000': false, 'https://foo.test:8000': true, 'http://foo.test:90': false, 'http://foobtest': false, 'https://bar.test:1234': false } },
];

const EXAMPLE = { origins: ['example.test'], methods: ['GET'], headers: ['origin', 'type', 'accepts'], exposed_headers: ['x-auth-token'], max_age: 10, preflight_continue: true };

function fixture(): Record<string, unknown> {
  const route = (host: string, config: Record<string, unknown> | null, more: Record<string, unknown>[] = []) => ({
    name: host, hosts: [host], plugins: [{ name: 'cors', ...(config ? { config } : {}) }, ...more],
  });
  return {
    services: [
      {
        name: 'svc',
        routes: [
          route('cors1.test', null),
          route('cors2.test', { origins: ['example.test'], methods: ['GET'], headers: ['origin', 'type', 'accepts'], exposed_headers: ['x-auth-token'], max_age: 23, credentials: true }),
          route('cors3.test', { origins: ['example.test'], methods: ['GET'], headers: ['origin', 'type', 'accepts'], exposed_headers: ['x-auth-token'], max_age: 23, preflight_continue: true }),
          route('cors4.test', null, [{ name: 'key-auth' }]),
          route('cors5.test', { origins: ['*'], credentials: true }),
          route('cors6.test', { origins: ['example.test', 'example.org'], methods: ['GET'], headers: ['origin', 'type', 'accepts'], exposed_headers: ['x-auth-token'], max_age: 23, preflight_continue: true }),
          route('cors7.test', { origins: ['*'], credentials: false }),
          route('cors-empty-origins.test', { origins: [] }),
          route('cors9.test', { origins: ['.*\\.?example(?:-foo)?.test'] }),
          route('cors10.test', { origins: ['http://my-site.test', 'http://my-other-site.test'] }),
          route('cors11.test', { origins: ['http://my-site.test', 'https://my-other-site.test:9000'] }),
          route('cors12.test', {
            credentials: true, preflight_continue: false, max_age: 1728000, methods: null, origins: ['a.xxx.test', 'allowed-domain.test'],
            headers: ['DNT', 'X-CustomHeader', 'Keep-Alive', 'User-Agent', 'X-Requested-With', 'If-Modified-Since', 'Cache-Control', 'Content-Type', 'Authorization'],
          }),
          route('cors13.test', { preflight_continue: false, private_network: true, origins: ['allowed-domain.test'] }),
          route('cors14.test', { preflight_continue: false, origins: ['foo.bar', '*'] }),
          route('cors15.test', { allow_origin_absent: false, origins: ['foo.bar'], exposed_headers: ['x-auth-token'], credentials: true }),
          route('cors16.test', { allow_origin_absent: true, origins: ['foo.bar'], exposed_headers: ['x-auth-token'], credentials: true }),
          route('cors-upstream.test', EXAMPLE),
          route('cors-error.test', EXAMPLE, [{ name: 'error-generator-last' }]),
          ...REGEX_CASES.map((c, i) => route(`cors-regex-${i + 1}.test`, { origins: c.origins })),
        ],
      },
      { name: 'dead', url: 'http://127.0.0.1:1', routes: [route('cors-timeout.test', EXAMPLE)] },
    ],
  };
}

/** Expected response headers: a string (or list) must match, null must be absent. */
type Expect = Record<string, string | string[] | null>;
interface Case { it: string; method?: string; path?: string; host: string; headers?: Record<string, string>; status: number; expect: Expect }

const preflight = (host: string, origin: string, more: Record<string, string> = {}) => ({ method: 'OPTIONS', host, headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', ...more } });
const NO_EXTRAS = { [ACAH]: null, [ACEH]: null, [ACAC]: null, [MAXAGE]: null };

const CASES: Case[] = [
  // HTTP method: OPTIONS
  ...REGEX_CASES.flatMap((c, i) => Object.entries(c.tests).map(([origin, accept]): Case => ({
    it: `given ${origin}, ${JSON.stringify(c.origins)} will ${accept ? 'accept' : 'reject'}`,
    ...preflight(`cors-regex-${i + 1}.test`, origin), status: 200,
    expect: accept ? { [ACAM]: DEFAULT_METHODS, [ACAO]: accept === true ? origin : accept, ...NO_EXTRAS } : { [ACAO]: null },
  }))),
  { it: 'gives appropriate defaults', ...preflight('cors1.test', 'origin1.test'), status: 200, expect: { 'content-length': '0', [ACAM]: DEFAULT_METHODS, [ACAO]: '*', ...NO_EXTRAS, vary: null } },
  { it: 'gives * wildcard when config.origins is empty', ...preflight('cors-empty-origins.test', 'empty-origin.test'), status: 200, expect: { 'content-length': '0', [ACAM]: DEFAULT_METHODS, [ACAO]: '*', ...NO_EXTRAS, vary: null } },
  {
    it: 'gives appropriate defaults when origin is explicitly set to * and config.credentials=true', ...preflight('cors5.test', 'origin5.test'), status: 200,
    expect: { 'content-length': '0', [ACAM]: DEFAULT_METHODS, [ACAO]: 'origin5.test', [ACAC]: 'true', vary: 'Origin', [ACAH]: null, [ACEH]: null, [MAXAGE]: null },
  },
  { it: 'gives * wildcard when origin has multiple entries and have * included', ...preflight('cors14.test', 'http://www.example.net'), status: 200, expect: { 'content-length': '0', [ACAM]: DEFAULT_METHODS, [ACAO]: '*', ...NO_EXTRAS } },
  {
    it: 'accepts config options', ...preflight('cors2.test', 'origin5.test'), status: 200,
    expect: { 'content-length': '0', [ACAM]: 'GET', [ACAO]: 'example.test', [MAXAGE]: '23', [ACAC]: 'true', [ACAH]: 'origin,type,accepts', vary: 'Origin', [ACEH]: null },
  },
  { it: 'preflight_continue enabled', method: 'OPTIONS', path: '/status/201', host: 'cors3.test', status: 201, expect: { [ACAO]: 'example.test' } },
  { it: '(hybridctl) preflight_continue: the upstream answers the preflight, the plugin adds nothing', ...preflight('cors3.test', 'origin5.test'), path: '/status/204', status: 204, expect: { [ACAO]: null, [ACAM]: null, vary: null, [ACEH]: null } },
  { it: 'replies with request-headers if present in request', ...preflight('cors5.test', 'origin5.test', { 'Access-Control-Request-Headers': 'origin,accepts' }), status: 200, expect: { 'content-length': '0', [ACAH]: 'origin,accepts' } },
  { it: 'properly validates flat strings — http://my-site.test', method: 'OPTIONS', host: 'cors10.test', headers: { Origin: 'http://my-site.test' }, status: 200, expect: { [ACAO]: 'http://my-site.test' } },
  { it: 'properly validates flat strings — http://bad-guys.test', method: 'OPTIONS', host: 'cors10.test', headers: { Origin: 'http://bad-guys.test' }, status: 200, expect: { [ACAO]: null } },
  { it: 'properly validates flat strings — http://my-site.test.bad-guys.test', method: 'OPTIONS', host: 'cors10.test', headers: { Origin: 'http://my-site.test.bad-guys.test' }, status: 200, expect: { [ACAO]: null } },
  {
    it: 'support private-network', method: 'OPTIONS', host: 'cors13.test', headers: { Origin: 'allowed-domain.test', 'Access-Control-Request-Private-Network': 'true', 'Access-Control-Request-Method': 'PUT' },
    status: 200, expect: { 'access-control-allow-private-network': 'true' },
  },
  { it: '(hybridctl) private-network is only allowed when asked', ...preflight('cors13.test', 'allowed-domain.test'), status: 200, expect: { 'access-control-allow-private-network': null, [ACAO]: 'allowed-domain.test' } },
  { it: '(hybridctl) a preflight without Origin is proxied', method: 'OPTIONS', host: 'cors2.test', headers: { 'Access-Control-Request-Method': 'GET' }, status: 200, expect: { [ACAM]: null, [ACAO]: 'example.test' } },
  { it: '(hybridctl) a preflight with methods = null lists Kong\'s methods and its max_age', ...preflight('cors12.test', 'allowed-domain.test'), status: 200, expect: { [ACAM]: DEFAULT_METHODS, [MAXAGE]: '1728000', [ACAH]: 'DNT,X-CustomHeader,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Authorization' } },
  // HTTP method: others
  { it: 'gives appropriate defaults (GET)', host: 'cors1.test', status: 200, expect: { [ACAO]: '*', [ACAM]: null, ...NO_EXTRAS, vary: null } },
  { it: 'proxies a non-preflight OPTIONS request', method: 'OPTIONS', path: '/anything', host: 'cors1.test', status: 200, expect: { [ACAO]: '*', [ACAM]: null, ...NO_EXTRAS, vary: null } },
  { it: 'accepts config options (GET)', host: 'cors2.test', status: 200, expect: { [ACAO]: 'example.test', [ACEH]: 'x-auth-token', [ACAC]: 'true', vary: 'Origin', [ACAM]: null, [ACAH]: null, [MAXAGE]: null } },
  { it: 'works even when upstream timeouts', host: 'cors-timeout.test', status: 502, expect: { [ACAO]: 'example.test', [ACEH]: 'x-auth-token', vary: 'Origin', [ACAC]: null, [ACAM]: null, [ACAH]: null, [MAXAGE]: null } },
  { it: 'works even when a runtime error occurs', host: 'cors-error.test', status: 500, expect: { [ACAO]: 'example.test', [ACEH]: 'x-auth-token', vary: 'Origin', [ACAC]: null, [ACAM]: null, [ACAH]: null, [MAXAGE]: null } },
  { it: 'works with 404 responses', path: '/status/404', host: 'cors1.test', status: 404, expect: { [ACAO]: '*', [ACAM]: null, ...NO_EXTRAS, vary: null } },
  { it: 'works with 40x responses returned by another plugin', host: 'cors4.test', status: 401, expect: { [ACAO]: '*', [ACAM]: null, ...NO_EXTRAS, vary: null } },
  { it: 'sets CORS orgin based on origin host — example.test', host: 'cors6.test', headers: { Origin: 'example.test' }, status: 200, expect: { [ACAO]: 'example.test', vary: 'Origin' } },
  ...Object.entries({ 'example.test': true, 'www.example.test': true, 'example-foo.test': true, 'www.example-foo.test': true, 'www.example-fo0.test': false }).map(([d, ok]): Case => ({
    it: `sets CORS orgin based on origin host — ${d} (regex)`, host: 'cors9.test', headers: { Origin: d }, status: 200, expect: { [ACAO]: ok ? d : null, vary: 'Origin' },
  })),
  { it: "sets Vary and don't override existing Vary header", path: '/vary', host: 'cors-upstream.test', headers: { Origin: 'example.test' }, status: 200, expect: { vary: 'Accept-Encoding, Origin' } },
  { it: 'does not automatically parse the host — http://example.test', host: 'cors6.test', headers: { Origin: 'http://example.test' }, status: 200, expect: { [ACAO]: null } },
  { it: 'does not automatically parse the host — https://example.test', host: 'cors6.test', headers: { Origin: 'https://example.test' }, status: 200, expect: { [ACAO]: null } },
  ...([['http://my-site.test', 'http://my-site.test'], ['http://my-site.test:80', 'http://my-site.test'], ['http://my-site.test:8000', null], ['https://my-site.test', null], ['https://my-other-site.test:9000', 'https://my-other-site.test:9000'], ['https://my-other-site.test:9001', null]] as const).map(([o, acao]): Case => ({
    it: `validates scheme and port — ${o}`, host: 'cors11.test', headers: { Origin: o }, status: 200, expect: { [ACAO]: acao },
  })),
  { it: 'does not sets CORS origin if origin host is not in origin_domains list', host: 'cors6.test', headers: { Origin: 'http://www.example.net' }, status: 200, expect: { [ACAO]: null } },
  { it: 'responds with the requested Origin when config.credentials=true', host: 'cors5.test', headers: { Origin: 'http://www.example.net' }, status: 200, expect: { [ACAO]: 'http://www.example.net', [ACAC]: 'true', vary: 'Origin' } },
  { it: 'responds with the requested Origin (including port) when config.credentials=true', host: 'cors5.test', headers: { Origin: 'http://www.example.net:3000' }, status: 200, expect: { [ACAO]: 'http://www.example.net:3000', [ACAC]: 'true', vary: 'Origin' } },
  { it: 'responds with * when origin is explicitly set to * and config.credentials=false', host: 'cors7.test', headers: { Origin: 'http://www.example.net' }, status: 200, expect: { [ACAO]: '*', [ACAC]: null, vary: null } },
  { it: 'responds with * when origin has multiple entries and have * included', host: 'cors14.test', headers: { Origin: 'http://www.example.net' }, status: 200, expect: { [ACAO]: '*' } },
  { it: 'removes upstream ACAO header when no match is found — allowed-domain.test', path: '/acao', host: 'cors12.test', headers: { Origin: 'allowed-domain.test' }, status: 200, expect: { 'response-header': 'is-added', [ACAO]: 'allowed-domain.test', [ACAC]: 'true', vary: 'Origin' } },
  { it: 'removes upstream ACAO header when no match is found — disallowed-domain.test', path: '/acao', host: 'cors12.test', headers: { Origin: 'disallowed-domain.test' }, status: 200, expect: { 'response-header': 'is-added', [ACAO]: null, [ACAC]: 'true' } },
  ...[undefined, ''].flatMap((origin): Case[] => [
    { it: `when allow_origin_absent is disabled with missing Origin header value:${origin ?? 'nil'}, no ACAO is returned`, host: 'cors15.test', headers: origin === undefined ? {} : { Origin: origin }, status: 200, expect: { [ACAO]: null, [ACAC]: null, [ACEH]: null } },
    { it: `when allow_origin_absent is enabled with missing Origin header value:${origin ?? 'nil'}, ACAO is returned`, host: 'cors16.test', headers: origin === undefined ? {} : { Origin: origin }, status: 200, expect: { [ACAO]: 'foo.bar', [ACAC]: 'true', [ACEH]: 'x-auth-token' } },
  ]),
];

describe('cors (spec/03-plugins/13-cors/01-access_spec.lua)', () => {
  const h = useHarness(fixture, {
    modules: [cors, errorGeneratorLast],
    upstream: (url) => {
      const headers: Record<string, string> | undefined = url === '/vary' ? { vary: 'Accept-Encoding' } : url === '/acao' ? { 'response-header': 'is-added', [ACAO]: '*' } : undefined;
      return headers ? { headers } : undefined;
    },
  });
  for (const c of CASES) {
    it(c.it, async () => {
      const r = await h().send({ host: c.host, method: c.method ?? 'GET', path: c.path ?? '/', headers: c.headers });
      expect(r.status, r.body).toBe(c.status);
      for (const [name, want] of Object.entries(c.expect)) expect(r.headers[name], name).toEqual(want ?? undefined);
    });
  }
  it('(hybridctl) the upstream sees the request Origin untouched', async () => {
    const r = await h().send({ host: 'cors12.test', path: '/', headers: { Origin: 'disallowed-domain.test' } });
    expect(r.echo().headers.origin).toBe('disallowed-domain.test');
  });
});
