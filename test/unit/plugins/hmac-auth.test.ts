// hmac-auth, ported from Kong's spec/03-plugins/19-hmac-auth/{01-schema,03-access}_spec.lua (each case names its it()).
import { createHash, createHmac } from 'node:crypto';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type Reply, useCluster } from './harness.js';
import { hmacAuth } from '../../../src/plugins/hmac-auth/index.js';
import { parseHttpTime } from '../../../src/plugins/hmac-auth/http-date.js';
import { validateConfig } from '../../../src/plugins/schema/validate.js';

const BOB = '0b5a7c1e-2d3f-4a5b-8c6d-7e8f9a0b1c2d';
const ANON = '7b4d3a5e-1f2c-4a6b-9d8e-0c1b2a3f4e5d';
const MISSING = 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d';

const NOT_VALID = 'HMAC signature cannot be verified';
const NOT_SAME = 'HMAC signature does not match';
const NO_DATE = 'HMAC signature cannot be verified, a valid date or x-date header is required for HMAC Authentication';

const sign = (alg: string, data: string, secret = 'secret') => createHmac(alg, secret).update(data).digest('base64');
const httpDate = (offsetSec = 0) => new Date(Date.now() + offsetSec * 1000).toUTCString();
const sha256Digest = (body: string) => `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
const auth = (o: { username?: string; algorithm: string; headers: string; signature: string }, sep = ',') =>
  `hmac username="${o.username ?? 'bob'}"${sep}algorithm="${o.algorithm}"${sep}headers="${o.headers}"${sep}signature="${o.signature}"`;

function fixture(): Record<string, unknown> {
  const route = (host: string, config: Record<string, unknown>) => ({ name: host, hosts: [host], plugins: [{ name: 'hmac-auth', config }] });
  return {
    consumers: [
      { id: BOB, username: 'bob', custom_id: '1234', hmacauth_credentials: [{ username: 'bob', secret: 'secret' }] },
      { id: ANON, username: 'no-body' },
    ],
    services: [{
      name: 'svc',
      routes: [
        route('hmacauth.test', { clock_skew: 3000, realm: 'test-realm' }),
        route('hmacauth2.test', { anonymous: ANON, clock_skew: 3000 }),
        route('hmacauth3.test', { anonymous: MISSING, clock_skew: 3000 }),
        route('hmacauth4.test', { clock_skew: 3000, validate_request_body: true }),
        route('hmacauth5.test', { clock_skew: 3000, enforce_headers: ['date', 'request-line'], validate_request_body: true }),
        route('hmacauth6.test', { clock_skew: 3000, enforce_headers: ['date', 'request-line'], algorithms: ['hmac-sha1', 'hmac-sha256'], validate_request_body: true }),
        route('hmacauth7.test', { anonymous: 'no-body', clock_skew: 3000 }),
        route('hmacauth8.test', { hide_credentials: true }),
      ],
    }],
  };
}

interface Case {
  it: string;
  host: string;
  method?: string;
  path?: string;
  body?: string;
  /** Built per run: dates must be current. */
  headers: (date: string) => Record<string, string>;
  status: number;
  message?: string;
  challenge?: string;
  upstream?: (e: Record<string, any>, sent: Record<string, string>) => void;
}

const T = 'hmacauth.test';
const md5Line = (date: string, line = 'GET /request HTTP/1.1') => `date: ${date}\ncontent-md5: md5\n${line}`;
/** Signed `date content-md5 request-line` in Proxy-Authorization, with a junk Authorization, as the spec sends. */
const signedLine = (date: string, o: { alg?: string; algorithm?: string; line?: string; username?: string; headers?: string } = {}) => ({
  date,
  'proxy-authorization': auth({ username: o.username, algorithm: o.algorithm ?? 'hmac-sha1', headers: o.headers ?? 'date content-md5 request-line', signature: sign(o.alg ?? 'sha1', md5Line(date, o.line)) }),
  authorization: 'hello',
  'content-md5': 'md5',
});
const dateOnly = (date: string, alg = 'sha1', algorithm = 'hmac-sha1') => auth({ algorithm, headers: 'date', signature: sign(alg, `date: ${date}`) });

const CASES: Case[] = [
  { it: 'should not be authorized when the hmac credentials are missing', host: T, method: 'POST', headers: (date) => ({ date }), status: 401, message: 'Unauthorized', challenge: 'hmac realm="test-realm"' },
  { it: 'should return a 401 with an invalid authorization header', host: 'hmacauth6.test', path: '/request', headers: (date) => ({ date, 'proxy-authorization': 'this is no hmac token at all is it?' }), status: 401, message: NOT_VALID, challenge: 'hmac' },
  { it: 'should not be authorized when the HMAC signature is wrong', host: T, method: 'POST', headers: (date) => ({ date, authorization: 'asd' }), status: 401, message: NOT_VALID, challenge: 'hmac realm="test-realm"' },
  { it: 'should not be authorized when the HMAC signature is not properly base64 encoded', host: T, method: 'POST', headers: (date) => ({ date, authorization: '"hmac username="bob",algorithm="hmac-sha1",headers="date",signature="not really a base64 encoded value!!!"' }), status: 401, message: NOT_SAME },
  { it: 'should not be authorized when date header is missing', host: T, method: 'POST', headers: () => ({ authorization: 'asd' }), status: 401, message: NO_DATE, challenge: 'hmac realm="test-realm"' },
  { it: 'should not be authorized with signature is wrong in proxy-authorization', host: T, method: 'POST', headers: (date) => ({ date, 'proxy-authorization': 'asd' }), status: 401, message: NOT_VALID },
  { it: 'should not pass when passing only the digest', host: T, method: 'POST', headers: (date) => ({ date, 'proxy-authorization': 'hmac :dXNlcm5hbWU6cGFzc3dvcmQ=' }), status: 401, message: NOT_VALID },
  { it: 'should not pass when passing wrong hmac parameters (proxy-authorization)', host: T, method: 'POST', headers: (date) => ({ date, 'proxy-authorization': 'hmac username=,algorithm,headers,dXNlcm5hbWU6cGFzc3dvcmQ=' }), status: 401, message: NOT_VALID },
  { it: 'should not pass when passing wrong hmac parameters (authorization)', host: T, method: 'POST', headers: (date) => ({ date, authorization: 'hmac username=,algorithm,headers,dXNlcm5hbWU6cGFzc3dvcmQ=' }), status: 401, message: NOT_VALID },
  { it: 'should not be authorized when passing only the username', host: T, method: 'POST', headers: (date) => ({ date, authorization: 'hmac username' }), status: 401, message: NOT_VALID },
  { it: 'should not be authorized when authorization header is missing', host: T, method: 'POST', headers: (date) => ({ date }), status: 401, message: 'Unauthorized' },
  { it: 'should not pass with username missing', host: T, path: '/request', headers: (date) => ({ date, authorization: `hmac algorithm="hmac-sha1",headers="date",signature="${sign('sha1', `date: ${date}`)}"` }), status: 401, message: NOT_VALID },
  { it: 'should not pass with signature missing', host: T, path: '/request', headers: (date) => ({ date, authorization: 'hmac username="bob",algorithm="hmac-sha1",headers="date"' }), status: 401, message: NOT_VALID },
  { it: 'should pass with GET', host: T, path: '/request', headers: (date) => ({ date, authorization: dateOnly(date) }), status: 200, upstream: (e, sent) => expect(e.headers.authorization).toBe(sent.authorization) },
  { it: 'should pass with GET and proxy-authorization', host: T, path: '/request', headers: (date) => ({ date, 'proxy-authorization': dateOnly(date) }), status: 200 },
  { it: 'should pass with POST', host: T, method: 'POST', path: '/request', body: 'x=1', headers: (date) => ({ date, authorization: dateOnly(date) }), status: 200 },
  { it: 'should pass with GET and valid authorization and wrong proxy-authorization', host: T, path: '/request', headers: (date) => ({ date, 'proxy-authorization': 'hmac username', authorization: dateOnly(date) }), status: 200 },
  { it: 'should pass with GET and invalid authorization and valid proxy-authorization', host: T, path: '/request', headers: (date) => ({ date, 'proxy-authorization': dateOnly(date), authorization: 'hmac username' }), status: 200 },
  {
    it: 'should pass with GET with content-md5 header', host: T, path: '/request', status: 200,
    headers: (date) => ({ date, 'proxy-authorization': auth({ algorithm: 'hmac-sha1', headers: 'date content-md5', signature: sign('sha1', `date: ${date}\ncontent-md5: md5`) }), authorization: 'hello', 'content-md5': 'md5' }),
  },
  { it: 'should pass with GET with request-line', host: T, path: '/request', headers: (date) => signedLine(date), status: 200 },
  {
    it: 'should pass with GET with @request-target', host: T, path: '/request', status: 200,
    headers: (date) => ({ date, 'proxy-authorization': auth({ algorithm: 'hmac-sha1', headers: 'date content-md5 @request-target', signature: sign('sha1', `date: ${date}\ncontent-md5: md5\n@request-target: get /request`) }), authorization: 'hello', 'content-md5': 'md5' }),
  },
  { it: 'should not pass with GET with wrong username in signature', host: T, path: '/request', headers: (date) => signedLine(date, { username: 'bobb' }), status: 401, message: NOT_VALID },
  { it: 'should not pass with GET with username blank in signature', host: T, path: '/request', headers: (date) => signedLine(date, { username: '' }), status: 401, message: NOT_VALID },
  {
    it: 'should not pass with GET with username missing in signature', host: T, path: '/request', status: 401, message: NOT_VALID,
    headers: (date) => ({ ...signedLine(date), 'proxy-authorization': `hmac algorithm="hmac-sha1", headers="date content-md5 request-line", signature="${sign('sha1', md5Line(date))}"` }),
  },
  {
    it: 'should not pass with GET with wrong hmac headers field name', host: T, path: '/request', status: 401, message: NOT_VALID,
    headers: (date) => ({ ...signedLine(date), 'proxy-authorization': `hmac username="bob",  algorithm="hmac-sha1",   wrong_header="date content-md5 request-line", signature="${sign('sha1', md5Line(date))}"` }),
  },
  {
    it: 'should not pass with GET with wrong hmac signature field name', host: T, path: '/request', status: 401, message: NOT_VALID,
    headers: (date) => ({ ...signedLine(date), 'proxy-authorization': `hmac username="bob",  algorithm="hmac-sha1",   headers="date content-md5 request-line", wrong_signature="${sign('sha1', md5Line(date))}"` }),
  },
  {
    it: 'should not pass with GET with malformed hmac signature field', host: T, path: '/request', status: 401, message: NOT_VALID,
    headers: (date) => ({ ...signedLine(date), 'proxy-authorization': `hmac username="bob",  algorithm="hmac-sha1" headers="date content-md5 request-line", signature="${sign('sha1', md5Line(date))}"` }),
  },
  {
    it: 'should not pass with GET with malformed hmac headers field', host: T, path: '/request', status: 401, message: NOT_VALID,
    headers: (date) => ({ ...signedLine(date), 'proxy-authorization': `hmac username="bob",  algorithm="hmac-sha1" headers="  date content-md5 request-line",signature="${sign('sha1', md5Line(date, 'GET /request? HTTP/1.1'))}"` }),
  },
  {
    it: 'should pass with GET with no space or space between hmac signatures fields', host: T, path: '/request', status: 200,
    headers: (date) => ({ ...signedLine(date), 'proxy-authorization': `hmac username="bob",algorithm="hmac-sha1",  headers="date content-md5 request-line",signature="${sign('sha1', md5Line(date))}"` }),
  },
  { it: 'should not pass with GET with wrong algorithm', host: T, path: '/request', headers: (date) => signedLine(date, { alg: 'sha256', algorithm: 'hmac-sha' }), status: 401, message: NOT_VALID, challenge: 'hmac realm="test-realm"' },
  {
    it: 'should pass the right headers to the upstream server', host: T, path: '/request', headers: (date) => signedLine(date, { alg: 'sha256', algorithm: 'hmac-sha256' }), status: 200,
    upstream: (e) => {
      expect(e.headers['x-consumer-id']).toBe(BOB);
      expect(e.headers['x-consumer-username']).toBe('bob');
      expect(e.headers['x-consumer-custom-id']).toBe('1234');
      expect(e.headers['x-credential-identifier']).toBe('bob');
      expect(e.headers['x-anonymous-consumer']).toBeUndefined();
    },
  },
  {
    it: 'should pass with GET with x-date header', host: T, path: '/request', status: 200,
    headers: (date) => ({ 'x-date': date, 'proxy-authorization': auth({ algorithm: 'hmac-sha1', headers: 'x-date content-md5 request-line', signature: sign('sha1', `x-date: ${date}\ncontent-md5: md5\nGET /request HTTP/1.1`) }), authorization: 'hello', 'content-md5': 'md5' }),
  },
  { it: 'should not pass with GET with both date and x-date missing', host: T, path: '/request', headers: (date) => { const { date: _d, ...rest } = signedLine(date); return rest; }, status: 401, message: NO_DATE },
  { it: 'should not pass with GET with x-date malformed', host: T, path: '/request', headers: (date) => { const { date: _d, ...rest } = signedLine(date); return { ...rest, 'x-date': 'wrong date' }; }, status: 401, message: NO_DATE },
  { it: 'should pass with GET with x-date malformed but date correct', host: T, path: '/request', headers: (date) => ({ ...signedLine(date), 'x-date': 'wrong date' }), status: 200 },
  {
    it: 'should with x-date malformed and used for signature but skew test pass', host: T, path: '/request', status: 200,
    headers: (date) => ({ date, 'x-date': 'wrong date', 'proxy-authorization': auth({ algorithm: 'hmac-sha1', headers: 'x-date content-md5 request-line', signature: sign('sha1', 'x-date: wrong date\ncontent-md5: md5\nGET /request HTTP/1.1') }), authorization: 'hello', 'content-md5': 'md5' }),
  },
  {
    it: 'should pass with date malformed and used for signature but skew test pass', host: T, path: '/request', status: 200,
    headers: (date) => ({ date: 'wrong date', 'x-date': date, 'proxy-authorization': auth({ algorithm: 'hmac-sha1', headers: 'date content-md5 request-line', signature: sign('sha1', 'date: wrong date\ncontent-md5: md5\nGET /request HTTP/1.1') }), authorization: 'hello', 'content-md5': 'md5' }),
  },
  { it: 'should pass with valid credentials and anonymous', host: 'hmacauth2.test', path: '/request', headers: (date) => signedLine(date), status: 200, upstream: (e) => { expect(e.headers['x-consumer-username']).toBe('bob'); expect(e.headers['x-anonymous-consumer']).toBeUndefined(); } },
  { it: 'should return 401 when body validation enabled and no digest header is present', host: 'hmacauth4.test', method: 'POST', path: '/request', body: '{"a":"apple","b":"ball"}', headers: (date) => ({ date, authorization: `"${dateOnly(date)}` }), status: 401, message: NOT_SAME, challenge: 'hmac' },
  { it: 'should return 200 when body validation enabled and no body and no digest header is present', host: 'hmacauth4.test', path: '/request', headers: (date) => ({ date, authorization: dateOnly(date) }), status: 200 },
  {
    it: 'should return 200 when body validation enabled and no body and an digest header is present', host: 'hmacauth4.test', path: '/request', status: 200,
    headers: (date) => ({ date, digest: sha256Digest(''), authorization: auth({ algorithm: 'hmac-sha1', headers: 'date digest', signature: sign('sha1', `date: ${date}\ndigest: ${sha256Digest('')}`) }) }),
  },
  { it: 'should pass with invalid credentials and anonymous', host: 'hmacauth2.test', path: '/request', headers: () => ({}), status: 200, upstream: (e) => { expect(e.headers['x-anonymous-consumer']).toBe('true'); expect(e.headers['x-consumer-username']).toBe('no-body'); } },
  { it: 'should pass with invalid credentials and username in anonymous', host: 'hmacauth7.test', path: '/request', headers: () => ({}), status: 200, upstream: (e) => { expect(e.headers['x-anonymous-consumer']).toBe('true'); expect(e.headers['x-consumer-username']).toBe('no-body'); } },
  { it: "errors when anonymous user doesn't exist", host: 'hmacauth3.test', path: '/request', headers: () => ({}), status: 500, message: `anonymous consumer ${MISSING} is configured but doesn't exist` },
  {
    it: 'should pass with POST when body validation enabled and digest header present', host: 'hmacauth4.test', method: 'POST', path: '/request', body: '{"a":"apple","b":"ball"}', status: 200,
    headers: (date) => { const d = sha256Digest('{"a":"apple","b":"ball"}'); return { date, digest: d, authorization: auth({ algorithm: 'hmac-sha1', headers: 'date digest', signature: sign('sha1', `date: ${date}\ndigest: ${d}`) }) }; },
    upstream: (e) => expect(e.body).toBe('{"a":"apple","b":"ball"}'),
  },
  {
    it: 'should pass with POST when body validation enabled but digest header not used', host: 'hmacauth4.test', method: 'POST', path: '/request', body: '{"a":"apple","b":"ball"}', status: 200,
    headers: (date) => ({ date, digest: sha256Digest('{"a":"apple","b":"ball"}'), authorization: dateOnly(date) }),
  },
  {
    it: 'should not pass with POST when body validation enabled and postBody is tampered', host: 'hmacauth4.test', method: 'POST', path: '/request', body: '{"a":"apple","b":"bal"}', status: 401, message: NOT_SAME,
    headers: (date) => { const d = sha256Digest('{"a":"apple","b":"ball"}'); return { date, digest: d, authorization: auth({ algorithm: 'hmac-sha1', headers: 'date digest', signature: sign('sha1', `date: ${date}\ndigest: ${d}`) }) }; },
  },
  {
    it: 'should not pass with POST when body validation enabled and digest header is tampered', host: 'hmacauth4.test', method: 'POST', path: '/request', body: '{"a":"apple","b":"ball"}', status: 401, message: NOT_SAME,
    headers: (date) => { const d = `${sha256Digest('{"a":"apple","b":"ball"}')}spoofed`; return { date, digest: d, authorization: auth({ algorithm: 'hmac-sha1', headers: 'date digest', signature: sign('sha1', `date: ${date}\ndigest: ${d}`) }) }; },
  },
  { it: 'should pass with GET with request-line (enforced headers)', host: 'hmacauth5.test', path: '/request', headers: (date) => signedLine(date), status: 200 },
  { it: 'should fail with GET with request-line having query param but signed without query param', host: 'hmacauth5.test', path: '/request?name=foo', headers: (date) => signedLine(date), status: 401, message: NOT_SAME },
  { it: 'should pass with GET with request-line having query param', host: 'hmacauth5.test', path: '/request?name=foo', headers: (date) => signedLine(date, { line: 'GET /request?name=foo HTTP/1.1' }), status: 200 },
  { it: 'should pass with GET with request-line having encoded query param', host: 'hmacauth5.test', path: '/request?name=foo%20b%C3%A1r', headers: (date) => signedLine(date, { line: 'GET /request?name=foo%20b%C3%A1r HTTP/1.1' }), status: 200, upstream: (e) => expect(e.url).toBe('/request?name=foo%20b%C3%A1r') },
  { it: 'should pass with GET with request-line having multiple same query param', host: 'hmacauth5.test', path: '/request?name=foo&name=bar', headers: (date) => signedLine(date, { line: 'GET /request?name=foo&name=bar HTTP/1.1' }), status: 200 },
  { it: 'should pass with GET with request-line having no uri', host: 'hmacauth5.test', path: '/', headers: (date) => signedLine(date, { line: 'GET / HTTP/1.1' }), status: 200 },
  { it: 'should pass with GET with request-line having encoded path param', host: 'hmacauth5.test', path: '/request/some%20value/?name=foo&name=bar', headers: (date) => signedLine(date, { line: 'GET /request/some%20value/?name=foo&name=bar HTTP/1.1' }), status: 200 },
  {
    it: 'should fail with GET when enforced header request-line missing', host: 'hmacauth5.test', path: '/request', status: 401, message: NOT_VALID,
    headers: (date) => ({ date, 'proxy-authorization': auth({ algorithm: 'hmac-sha1', headers: 'date content-md5', signature: sign('sha1', `date: ${date}\ncontent-md5: md5`) }), 'content-md5': 'md5' }),
  },
  { it: 'should pass with GET with hmac-sha384', host: 'hmacauth5.test', path: '/request', headers: (date) => signedLine(date, { alg: 'sha384', algorithm: 'hmac-sha384' }), status: 200 },
  { it: 'should pass with GET with hmac-sha512', host: 'hmacauth5.test', path: '/request', headers: (date) => signedLine(date, { alg: 'sha512', algorithm: 'hmac-sha512' }), status: 200 },
  { it: 'should not pass with hmac-sha512', host: 'hmacauth6.test', path: '/request', headers: (date) => signedLine(date, { alg: 'sha512', algorithm: 'hmac-sha512' }), status: 401, message: NOT_VALID },
  { it: 'should pass with hmac-sha1', host: 'hmacauth6.test', path: '/request', headers: (date) => signedLine(date), status: 200 },
  // Own cases.
  { it: '(hybridctl) the request-line carries the path as sent, not normalized', host: 'hmacauth5.test', path: '/request/%41bc/../x?q=%41', headers: (date) => signedLine(date, { line: 'GET /request/%41bc/../x?q=%41 HTTP/1.1' }), status: 200 },
  { it: '(hybridctl) a date outside the clock skew is refused', host: 'hmacauth8.test', path: '/request', headers: (date) => { const old = httpDate(-301); return { date: old, authorization: dateOnly(old), 'x-unused': date }; }, status: 401, message: NO_DATE },
  { it: '(hybridctl) a date inside the default clock skew passes', host: 'hmacauth8.test', path: '/request', headers: () => { const d = httpDate(-250); return { date: d, authorization: dateOnly(d) }; }, status: 200 },
  { it: '(hybridctl) an ISO date is not an HTTP date to nginx', host: 'hmacauth8.test', path: '/request', headers: () => { const d = new Date().toISOString(); return { date: d, authorization: dateOnly(d) }; }, status: 401, message: NO_DATE },
  { it: '(hybridctl) hide_credentials removes Authorization from the upstream request', host: 'hmacauth8.test', path: '/request', headers: (date) => ({ date, authorization: dateOnly(date) }), status: 200, upstream: (e) => expect(e.headers.authorization).toBeUndefined() },
  { it: '(hybridctl) hide_credentials removes only the Proxy-Authorization that was used', host: 'hmacauth8.test', path: '/request', headers: (date) => ({ date, 'proxy-authorization': dateOnly(date), authorization: 'keep-me' }), status: 200, upstream: (e) => { expect(e.headers['proxy-authorization']).toBeUndefined(); expect(e.headers.authorization).toBe('keep-me'); } },
  { it: '(hybridctl) a signature made with another secret does not match', host: T, path: '/request', headers: (date) => ({ date, authorization: auth({ algorithm: 'hmac-sha1', headers: 'date', signature: sign('sha1', `date: ${date}`, 'other') }) }), status: 401, message: NOT_SAME },
  {
    it: '(hybridctl) a listed header the request lacks is signed as "name:"', host: T, path: '/request', status: 200,
    headers: (date) => ({ date, authorization: auth({ algorithm: 'hmac-sha256', headers: 'date x-missing', signature: sign('sha256', `date: ${date}\nx-missing:`) }) }),
  },
];

describe('hmac-auth (spec/03-plugins/19-hmac-auth/03-access_spec.lua)', () => {
  const h = useCluster(fixture);
  for (const c of CASES) {
    it(c.it, async () => {
      const sent = c.headers(httpDate());
      const r = await h().send({ host: c.host, method: c.method, path: c.path ?? '/', headers: sent, body: c.body });
      expect(r.status, r.body).toBe(c.status);
      if (c.message) {
        expect(r.json().message).toBe(c.message);
        expect(r.json().request_id).toBe(r.headers['x-kong-request-id']);
      }
      if (c.challenge) expect(r.headers['www-authenticate']).toBe(c.challenge);
      if (c.upstream) c.upstream(r.echo() as unknown as Record<string, any>, sent);
    });
  }

  it('should encode http-1 requests as http/1.0', async () => {
    const date = httpDate();
    const headers = signedLine(date, { line: 'GET /request HTTP/1.0' });
    const raw = await new Promise<string>((resolve, reject) => {
      const s = connect(h().proxy.address.port, '127.0.0.1', () => {
        s.write(`GET /request HTTP/1.0\r\nHost: ${T}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
      });
      let out = '';
      s.on('data', (d) => (out += d.toString()));
      s.on('end', () => resolve(out));
      s.on('error', reject);
    });
    expect(raw.split('\r\n')[0]).toMatch(/^HTTP\/1\.[01] 200 /);
  });
});

describe('hmac-auth logical AND / OR with key-auth (spec/03-plugins/19-hmac-auth/03-access_spec.lua)', () => {
  const USER1 = '11111111-1111-4111-8111-111111111111';
  const USER2 = '22222222-2222-4222-8222-222222222222';
  const ANONYMOUS = '33333333-3333-4333-8333-333333333333';
  const h = useCluster(() => ({
    consumers: [
      { id: ANONYMOUS, username: 'Anonymous' },
      { id: USER1, username: 'Mickey', keyauth_credentials: [{ key: 'Mouse' }] },
      { id: USER2, username: 'Aladdin', hmacauth_credentials: [{ username: 'Aladdin', secret: 'OpenSesame' }] },
    ],
    services: [{
      name: 'svc',
      routes: [
        { name: 'and', hosts: ['logical-and.test'], plugins: [{ name: 'hmac-auth' }, { name: 'key-auth' }] },
        { name: 'or', hosts: ['logical-or.test'], plugins: [{ name: 'hmac-auth', config: { anonymous: ANONYMOUS } }, { name: 'key-auth', config: { anonymous: ANONYMOUS } }] },
      ],
    }],
  }));
  const signed = (date: string) => ({ date, authorization: auth({ username: 'Aladdin', algorithm: 'hmac-sha1', headers: 'date', signature: sign('sha1', `date: ${date}`, 'OpenSesame') }) });
  const cases: { it: string; host: string; headers: (d: string) => Record<string, string>; status: number; consumer?: string[]; anonymous?: boolean }[] = [
    { it: 'passes with all credentials provided (logical AND)', host: 'logical-and.test', headers: (d) => ({ apikey: 'Mouse', ...signed(d) }), status: 200, consumer: [USER1, USER2], anonymous: false },
    { it: 'fails 401, with only the first credential provided', host: 'logical-and.test', headers: () => ({ apikey: 'Mouse' }), status: 401 },
    { it: 'fails 401, with only the second credential provided', host: 'logical-and.test', headers: signed, status: 401 },
    { it: 'fails 401, with no credential provided', host: 'logical-and.test', headers: () => ({}), status: 401 },
    { it: 'passes with all credentials provided (logical OR)', host: 'logical-or.test', headers: (d) => ({ apikey: 'Mouse', ...signed(d) }), status: 200, consumer: [USER1, USER2], anonymous: false },
    { it: 'passes with only the first credential provided', host: 'logical-or.test', headers: () => ({ apikey: 'Mouse' }), status: 200, consumer: [USER1], anonymous: false },
    { it: 'passes with only the second credential provided', host: 'logical-or.test', headers: signed, status: 200, consumer: [USER2], anonymous: false },
    { it: 'passes with no credential provided', host: 'logical-or.test', headers: () => ({}), status: 200, consumer: [ANONYMOUS], anonymous: true },
  ];
  for (const c of cases) {
    it(c.it, async () => {
      const r: Reply = await h().send({ host: c.host, path: '/request', headers: c.headers(httpDate()) });
      expect(r.status, r.body).toBe(c.status);
      if (c.consumer) expect(c.consumer).toContain(r.echo().headers['x-consumer-id']);
      if (c.anonymous !== undefined) expect(r.echo().headers['x-anonymous-consumer']).toBe(c.anonymous ? 'true' : undefined);
    });
  }
});

describe('hmac-auth schema (spec/03-plugins/19-hmac-auth/01-schema_spec.lua)', () => {
  it('accepts empty config', () => {
    const r = validateConfig(hmacAuth.schema, {});
    expect(r.errors).toBeNull();
    expect(r.config).toEqual({
      hide_credentials: false, clock_skew: 300, anonymous: null, validate_request_body: false, enforce_headers: [],
      algorithms: ['hmac-sha1', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512'], realm: null,
    });
  });
  it('accepts correct clock skew', () => {
    expect(validateConfig(hmacAuth.schema, { clock_skew: 10 }).errors).toBeNull();
  });
  it('errors with negative clock skew', () => {
    expect(validateConfig(hmacAuth.schema, { clock_skew: -10 }).errors).toEqual({ clock_skew: 'value must be greater than 0' });
  });
  it('errors with wrong algorithm', () => {
    expect(validateConfig(hmacAuth.schema, { algorithms: ['sha1024'] }).errors).toEqual({ algorithms: { 1: 'expected one of: hmac-sha1, hmac-sha256, hmac-sha384, hmac-sha512' } });
  });
});

describe('hmac-auth HTTP dates (nginx ngx_parse_http_time)', () => {
  const cases: [string, number | null][] = [
    ['Sun, 06 Nov 1994 08:49:37 GMT', 784111777],
    ['Sunday, 06-Nov-94 08:49:37 GMT', 784111777],
    ['Sun Nov  6 08:49:37 1994', 784111777],
    ['Sun, 06 Nov 1994 08:49:37', 784111777],
    ['Thu, 29 Feb 2024 00:00:00 GMT', 1709164800],
    ['Thu, 29 Feb 2023 00:00:00 GMT', null],
    ['Sun, 31 Nov 1994 08:49:37 GMT', null],
    ['Sun, 06 Nov 1994 24:49:37 GMT', null],
    ['1994-11-06T08:49:37Z', null],
    ['wrong date', null],
    ['', null],
  ];
  for (const [s, t] of cases) it(`(hybridctl) parses ${JSON.stringify(s)} as nginx does`, () => expect(parseHttpTime(s)).toBe(t));
});
