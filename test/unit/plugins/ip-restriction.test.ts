// ip-restriction, ported from Kong's spec/03-plugins/17-ip-restriction/{01-schema,02-access}_spec.lua
// (each case names its it()). Kong's X-Forwarded-For cases need real_ip/trusted_ips, which the
// proxy does not implement: the client address is the socket's.
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipRestriction } from '../../../src/plugins/ip-restriction/index.js';
import { CidrMatcher, checkIpOrCidr, parseClient } from '../../../src/plugins/ip-restriction/cidr.js';
import { nodePlugins } from '../../../src/plugins/catalogue.js';
import { createLogger } from '../../../src/log.js';
import { startProxy, type Proxy } from '../../../src/proxy/server.js';
import { declarativeToConfigTable } from '../../../src/entities/index.js';
import type { ConfigTable } from '../../../src/proxy/config.js';
import { useCluster } from './harness.js';

const catalogue = nodePlugins(new Map([[ipRestriction.name, ipRestriction]]), 'control_plane');
const check = (config: Record<string, unknown>) => catalogue.check({ name: 'ip-restriction', config, protocols: ['http', 'https'] });

describe('ip-restriction (spec/03-plugins/17-ip-restriction/01-schema_spec.lua)', () => {
  const valid: [string, Record<string, unknown>][] = [
    ['should accept a valid allow', { allow: ['127.0.0.1', '127.0.0.2'] }],
    ['should accept a valid allow and status/message', { allow: ['127.0.0.1', '127.0.0.2'], status: 403, message: 'Forbidden' }],
    ['should accept a valid cidr range', { allow: ['127.0.0.1/8'] }],
    ['should accept a valid deny', { deny: ['127.0.0.1', '127.0.0.2'] }],
    ['should accept both non-empty allow and deny', { allow: ['127.0.0.1'], deny: ['127.0.0.2'] }],
    ['should accept valid ipv6 cidr ranges', { allow: ['::/0', '::/1', '::/128'] }],
  ];
  for (const [title, config] of valid) {
    it(title, () => expect(check(config).errors).toBeNull());
  }
  const invalid: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ['allow should not accept invalid types', { allow: 12 }, { config: { allow: 'expected an array' } }],
    ['allow should not accept invalid IPs', { allow: ['127.0.0.1/32', '127.0.0.2/32', 'hello'] }, { config: { allow: { 3: "invalid ip or cidr range: 'hello'" } } }],
    ['deny should not accept invalid types', { deny: 12 }, { config: { deny: 'expected an array' } }],
    ['deny should not accept invalid IPs', { deny: ['127.0.0.1/32', '127.0.0.2/32', 'hello'] }, { config: { deny: { 3: "invalid ip or cidr range: 'hello'" } } }],
    ['should not accept both empty allow and deny', { deny: [], allow: [] }, { '@entity': ["at least one of these fields must be non-empty: 'config.allow', 'config.deny'"] }],
    ['(hybridctl) should not accept a config with neither allow nor deny', {}, { '@entity': ["at least one of these fields must be non-empty: 'config.allow', 'config.deny'"] }],
    [
      'should not accept invalid cidr ranges', { allow: ['0.0.0.0/a', '0.0.0.0/-1', '0.0.0.0/33'] },
      { config: { allow: { 1: "invalid ip or cidr range: '0.0.0.0/a'", 2: "invalid ip or cidr range: '0.0.0.0/-1'", 3: "invalid ip or cidr range: '0.0.0.0/33'" } } },
    ],
    [
      'should not accept invalid ipv6 cidr ranges', { allow: ['::/a', '::/-1', '::/129', '::1/a', '::1/-1', '::1/129'] },
      { config: { allow: Object.fromEntries(['::/a', '::/-1', '::/129', '::1/a', '::1/-1', '::1/129'].map((v, i) => [i + 1, `invalid ip or cidr range: '${v}'`])) } },
    ],
  ];
  for (const [title, config, errors] of invalid) {
    it(title, () => expect(check(config).errors).toEqual(errors));
  }
  const strict = ['01.2.3.4', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.4/08', '1.2.3.4/', '1::2::3', 'fe80::1%eth0', '12345::', ':1::', '1.2.3.4::'];
  for (const v of strict) it(`(hybridctl) refuses what inet_pton refuses: ${v}`, () => expect(checkIpOrCidr(v)).toBe(`invalid ip or cidr range: '${v}'`));
  for (const v of ['::ffff:1.2.3.4', '[::1]', '1:2:3:4:5:6:7::', '::1.2.3.4/120', '10.0.0.0/8']) it(`(hybridctl) accepts ${v}`, () => expect(checkIpOrCidr(v)).toBeNull());
  it('(hybridctl) refuses a stream-only instance (no tcp/tls proxy here)', () => {
    expect(catalogue.check({ name: 'ip-restriction', config: { allow: ['127.0.0.1'] }, protocols: ['tcp'] }).errors).toEqual({ protocols: { 1: 'expected one of: grpc, grpcs, http, https' } });
  });
});

describe('(hybridctl) ip-restriction matcher: IPv4, IPv6, IPv4-mapped', () => {
  const cases: [string[], string, boolean][] = [
    [['127.0.0.1'], '127.0.0.1', true],
    [['127.0.0.1'], '127.0.0.2', false],
    [['127.0.0.0/24'], '127.0.0.200', true],
    [['127.0.0.0/24'], '127.0.1.1', false],
    [['0.0.0.0/0'], '8.8.8.8', true],
    [['127.0.0.1'], '::ffff:127.0.0.1', true],
    [['127.0.0.0/8'], '::ffff:127.9.9.9', true],
    [['::ffff:127.0.0.0/104'], '127.0.0.5', true],
    [['::1'], '::1', true],
    [['::1'], '::2', false],
    [['fe80::/10'], 'fe80::abcd:1', true],
    [['fe80::/10'], 'fec0::1', false],
    [['2001:db8::/33'], '2001:db8:7fff::1', true],
    [['2001:db8::/33'], '2001:db8:8000::1', false],
    [['::/0'], '2001:db8::1', true],
    [['::/0'], '127.0.0.1', true],
    [['10.0.0.0/8'], '::1', false],
  ];
  for (const [list, ip, hit] of cases) {
    it(`${JSON.stringify(list)} ${hit ? 'matches' : 'does not match'} ${ip}`, () => expect(new CidrMatcher(list).match(parseClient(ip)!)).toBe(hit));
  }
  it('reports a mapped client by its IPv4 address', () => expect(parseClient('::ffff:127.0.0.1')!.text).toBe('127.0.0.1'));
});

function fixture(): Record<string, unknown> {
  const route = (n: number | string, config: Record<string, unknown>) => ({ name: `ip${n}`, hosts: [`ip-restriction${n}.test`], plugins: [{ name: 'ip-restriction', config }] });
  return {
    services: [{
      name: 'svc',
      routes: [
        route(1, { deny: ['127.0.0.1', '127.0.0.2'] }),
        route(2, { deny: ['127.0.0.2'] }),
        route(3, { allow: ['127.0.0.2'] }),
        route(4, { allow: ['127.0.0.1'] }),
        route(5, { deny: ['127.0.0.0/24'] }),
        route(8, { allow: ['0.0.0.0/0'] }),
        route(9, { allow: ['127.0.0.1'], deny: ['127.0.0.1'] }),
        route(10, { allow: ['127.0.0.0/24'], deny: ['127.0.0.1'] }),
        route(11, { allow: ['127.0.0.0/24'], deny: ['127.0.0.0/24'] }),
        route(12, { deny: ['127.0.0.0/24'], status: 401, message: 'Forbidden' }),
        route('-v6', { deny: ['::1'] }),
        route('-bad-status', { deny: ['127.0.0.1'], status: 200 }),
      ],
    }],
  };
}

interface Case { it: string; host: string; status: number; message?: string; headers?: Record<string, string>; contentType?: string }

const DENIED = 'IP address not allowed: 127.0.0.1';
const CASES: Case[] = [
  { it: 'blocks a request when the IP is denied', host: 'ip-restriction1.test', status: 403, message: DENIED },
  { it: 'blocks a request when the IP is denied with status/message', host: 'ip-restriction12.test', status: 401, message: 'Forbidden' },
  { it: 'allows a request when the IP is not denied', host: 'ip-restriction2.test', status: 200 },
  { it: 'blocks IP with CIDR', host: 'ip-restriction5.test', status: 403, message: DENIED },
  { it: 'blocks an IP on a allowed CIDR range', host: 'ip-restriction10.test', status: 403 },
  { it: 'takes precedence over an allowed IP', host: 'ip-restriction9.test', status: 403 },
  { it: 'takes precedence over an allowed CIDR range', host: 'ip-restriction11.test', status: 403 },
  { it: 'blocks a request when the IP is not allowed', host: 'ip-restriction3.test', status: 403, message: DENIED },
  { it: 'allows a allowed IP', host: 'ip-restriction4.test', status: 200 },
  { it: 'handles a CIDR entry with 0.0.0.0/0', host: 'ip-restriction8.test', status: 200 },
  { it: '(hybridctl) an IPv6 deny list leaves IPv4 clients alone', host: 'ip-restriction-v6.test', status: 200 },
  { it: '(hybridctl) the error body follows Accept, as kong.response.error does', host: 'ip-restriction1.test', status: 403, headers: { accept: 'text/plain' }, contentType: 'text/plain; charset=utf-8' },
  { it: '(hybridctl) a status kong.response.error refuses still blocks, with Kong\'s 500', host: 'ip-restriction-bad-status.test', status: 500, message: 'An unexpected error occurred' },
];

describe('ip-restriction (spec/03-plugins/17-ip-restriction/02-access_spec.lua)', () => {
  const h = useCluster(fixture);
  for (const c of CASES) {
    it(c.it, async () => {
      const r = await h().send({ host: c.host, path: '/status/200', headers: c.headers });
      expect(r.status, r.body).toBe(c.status);
      if (c.message) {
        expect(r.json().message).toBe(c.message);
        expect(r.json().request_id).toBe(r.headers['x-kong-request-id']);
      }
      if (c.contentType) {
        expect(r.headers['content-type']).toBe(c.contentType);
        expect(r.body).toBe(`${DENIED}\nrequest_id: ${r.headers['x-kong-request-id']}\n`);
      }
    });
  }
});

/** A proxy on its own address (the shared harness listens on 127.0.0.1 only). */
async function proxyOn(listenHost: string, doc: Record<string, unknown>): Promise<{ port: number; close(): Promise<void> }> {
  const upstream = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((ok) => upstream.listen(0, '127.0.0.1', ok));
  const up = (upstream.address() as AddressInfo).port;
  const enabled = new Map([[ipRestriction.name, ipRestriction]]);
  const services = (doc.services as Record<string, unknown>[]).map((s) => ({ url: `http://127.0.0.1:${up}`, ...s }));
  const table = declarativeToConfigTable({ _format_version: '3.0', ...doc, services }, nodePlugins(enabled, 'control_plane')) as ConfigTable;
  const proxy: Proxy = await startProxy({ listen: { host: listenHost, port: 0 }, log: createLogger({ format: 'json', level: 'error', write: () => {} }), plugins: enabled });
  proxy.swap(table);
  return {
    port: proxy.address.port,
    async close() {
      await proxy.close();
      upstream.closeAllConnections();
      await new Promise<void>((ok) => upstream.close(() => ok()));
    },
  };
}

function get(host: string, port: number, hostHeader: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host, port, path: '/', headers: { host: hostHeader }, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('ip-restriction IPv6 (spec/03-plugins/17-ip-restriction/02-access_spec.lua)', () => {
  const v6 = (name: string, config: Record<string, unknown>) => ({ name, hosts: [`${name}.test`], plugins: [{ name: 'ip-restriction', config }] });
  const doc = {
    services: [{
      name: 'svc',
      routes: [
        v6('deny', { deny: ['::1', '::2'] }),
        v6('notdeny', { deny: ['::2'] }),
        v6('cidr', { deny: ['::/64'] }),
        v6('allowcidr', { allow: ['::/64'], deny: ['::1'] }),
        v6('both', { allow: ['::1'], deny: ['::1'] }),
        v6('bothcidr', { allow: ['::/64'], deny: ['::/64'] }),
        v6('notallowed', { allow: ['::2'] }),
        v6('allowed', { allow: ['::1'] }),
        v6('all', { allow: ['::/0'] }),
        v6('mapped', { deny: ['127.0.0.1'] }),
        v6('mappedv6', { deny: ['::ffff:127.0.0.0/104'] }),
        v6('mappedallow', { allow: ['127.0.0.0/8'] }),
      ],
    }],
  };
  let p6: Awaited<ReturnType<typeof proxyOn>>;
  let dual: Awaited<ReturnType<typeof proxyOn>>;
  beforeAll(async () => {
    p6 = await proxyOn('::1', doc);
    dual = await proxyOn('::', doc);
  });
  afterAll(async () => {
    await p6?.close();
    await dual?.close();
  });
  const cases: [string, string, number][] = [
    ['blocks a request when the IPv6 is denied', 'deny', 403],
    ['allows a request when the IPv6 is not denied', 'notdeny', 200],
    ['blocks the IPv6 with CIDR', 'cidr', 403],
    ['blocks an IPv6 on a allowed IPv6 CIDR range', 'allowcidr', 403],
    ['takes precedence over an allowed IPv6', 'both', 403],
    ['takes precedence over an allowed IPv6 CIDR range', 'bothcidr', 403],
    ['blocks a request when the IPv6 is not allowed', 'notallowed', 403],
    ['allows a allowed IPv6', 'allowed', 200],
    ['handles a CIDR entry with ::/0', 'all', 200],
  ];
  for (const [title, host, status] of cases) {
    it(title, async () => {
      const r = await get('::1', p6.port, `${host}.test`);
      expect(r.status, r.body).toBe(status);
      if (status === 403) expect(JSON.parse(r.body).message).toBe('IP address not allowed: ::1');
    });
  }
  it('(hybridctl) an IPv4 client on a dual-stack listener (::ffff:127.0.0.1) matches IPv4 entries', async () => {
    const r = await get('127.0.0.1', dual.port, 'mapped.test');
    expect(r.status, r.body).toBe(403);
    expect(JSON.parse(r.body).message).toBe('IP address not allowed: 127.0.0.1');
  });
  it('(hybridctl) an IPv4 client on a dual-stack listener matches ::ffff: IPv6 entries', async () => {
    expect((await get('127.0.0.1', dual.port, 'mappedv6.test')).status).toBe(403);
  });
  it('(hybridctl) an IPv4 client on a dual-stack listener is allowed by an IPv4 allow range', async () => {
    expect((await get('127.0.0.1', dual.port, 'mappedallow.test')).status).toBe(200);
  });
});
