// hmac-auth (Kong 3.10 kong/plugins/hmac-auth): an HMAC signature over chosen request headers
// (draft-cavage HTTP signatures) in Authorization or Proxy-Authorization, checked with the
// hmacauth_credentials secret, within a clock skew of the Date / X-Date header, and optionally a
// SHA-256 Digest of the body.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { KONG_PROTOCOL_VERSION } from '../../version.js';
import type { Row } from '../../entities/index.js';
import type { PluginModule } from '../types.js';
import type { Kong } from '../pdk/types.js';
import { arr, bool, num, str } from '../schema/types.js';
import { authenticateAnonymous, consumerIdOf, indexCredentials, setConsumer } from '../auth-common.js';
import { decodeBase64 } from '../basic-auth/base64.js';
import { parseHttpTime } from './http-date.js';

const ALGORITHMS = ['hmac-sha1', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512'] as const;
const DIGESTS: Record<string, string> = { 'hmac-sha1': 'sha1', 'hmac-sha256': 'sha256', 'hmac-sha384': 'sha384', 'hmac-sha512': 'sha512' };

const NOT_VALID = 'HMAC signature cannot be verified';
const NOT_SAME = 'HMAC signature does not match';
const NO_DATE = 'HMAC signature cannot be verified, a valid date or x-date header is required for HMAC Authentication';

interface Conf {
  hide_credentials: boolean;
  clock_skew: number | null;
  anonymous: string | null;
  validate_request_body: boolean;
  enforce_headers: string[] | null;
  algorithms: string[] | null;
  realm: string | null;
  challenge: string;
}

interface Params {
  username: string;
  algorithm: string;
  headers: string[];
  signature: string;
}

// Kong's pattern, unanchored with greedy captures: a quote inside a value moves the split the same way.
const HMAC = /\s*[Hh]mac\s*username="(.+)",\s*algorithm="(.+)",\s*headers="(.+)",\s*signature="(.+)"/;

function parse(value: string | undefined): Params | null {
  const m = value === undefined ? null : HMAC.exec(value);
  return m ? { username: m[1]!, algorithm: m[2]!, headers: m[3]!.split(' '), signature: m[4]! } : null;
}

/** kong.request.get_header: case-insensitive, `_` read as `-`, the first value. */
const header = (kong: Kong, name: string) => kong.request.getHeader(name.includes('_') ? name.replace(/_/g, '-') : name);

function dateWithinSkew(kong: Kong, name: string, skew: number): boolean {
  const v = header(kong, name);
  const t = v === undefined ? null : parseHttpTime(v);
  return t !== null && Math.abs(Math.floor(Date.now() / 1000) - t) <= skew;
}

/** The string the client signed: each listed header on its own line. */
function signingString(kong: Kong, names: readonly string[]): string {
  const target = kong.request.getPathWithQuery();
  const lines = names.map((name) => {
    const v = header(kong, name);
    if (v !== undefined) return `${name}: ${v}`;
    if (name === '@request-target') return `${name}: ${kong.request.getMethod().toLowerCase()} ${target}`;
    if (name === 'request-line') return `${kong.request.getMethod()} ${target} HTTP/${kong.request.getHttpVersion().toFixed(1)}`;
    return `${name}:`;
  });
  return lines.join('\n');
}

function signatureMatches(kong: Kong, p: Params, secret: string): boolean {
  const given = decodeBase64(p.signature);
  if (!given) return false;
  // Node reads header values and the request target as latin1: back to the bytes the client signed.
  const mac = createHmac(DIGESTS[p.algorithm]!, Buffer.from(secret, 'utf8')).update(Buffer.from(signingString(kong, p.headers), 'latin1')).digest();
  return mac.length === given.length && timingSafeEqual(mac, given);
}

async function bodyMatches(kong: Kong): Promise<boolean> {
  const body = (await kong.request.getRawBody()) ?? Buffer.alloc(0);
  const digest = header(kong, 'digest');
  if (digest === undefined) return body.length === 0;
  return digest === `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
}

type Outcome = string | null;

/** null when authenticated, else Kong's 401 message; a promise only when the body must be read. */
function authenticate(kong: Kong, conf: Conf): Outcome | Promise<Outcome> {
  const authorization = header(kong, 'authorization');
  const proxyAuthorization = header(kong, 'proxy-authorization');
  if (authorization === undefined && proxyAuthorization === undefined) return 'Unauthorized';
  // Kong compares against nil here, which fails the request with a server error.
  if (typeof conf.clock_skew !== 'number' || !conf.algorithms) throw new Error('hmac-auth config lacks clock_skew or algorithms');
  if (!dateWithinSkew(kong, 'x-date', conf.clock_skew) && !dateWithinSkew(kong, 'date', conf.clock_skew)) return NO_DATE;

  let params = parse(proxyAuthorization);
  if (!params) {
    params = parse(authorization);
    if (conf.hide_credentials) kong.service.request.clearHeader('authorization');
  } else if (conf.hide_credentials) kong.service.request.clearHeader('proxy-authorization');

  if (!params) return NOT_VALID;
  const signed = params.headers;
  if (conf.enforce_headers?.some((h) => !signed.includes(h))) return NOT_VALID;
  if (!conf.algorithms.includes(params.algorithm)) return NOT_VALID;
  const cred = (kong.data as Map<string, Row>).get(Buffer.from(params.username, 'latin1').toString('utf8'));
  if (!cred || typeof cred.secret !== 'string') return NOT_VALID;
  if (!signatureMatches(kong, params, cred.secret)) return NOT_SAME;

  const finish = (): Outcome => {
    const consumer = kong.client.loadConsumer(consumerIdOf(cred) ?? '');
    if (!consumer) return NOT_VALID;
    setConsumer(kong, consumer, cred);
    // hmac-auth identifies the credential by its username, not its id.
    kong.service.request.setHeader('X-Credential-Identifier', String(cred.username));
    return null;
  };
  if (!conf.validate_request_body) return finish();
  return bodyMatches(kong).then((ok) => (ok ? finish() : NOT_SAME));
}

function conclude(kong: Kong, conf: Conf, failure: Outcome): void {
  if (failure === null) return;
  if (conf.anonymous) authenticateAnonymous(kong, conf.anonymous);
  else kong.response.error(401, failure, { 'WWW-Authenticate': conf.challenge });
}

export const hmacAuth: PluginModule<Conf, Map<string, Row>> = {
  name: 'hmac-auth',
  version: KONG_PROTOCOL_VERSION,
  priority: 1030,
  schema: {
    noConsumer: true,
    fields: [
      ['hide_credentials', bool({ required: true, default: false })],
      ['clock_skew', num({ default: 300, gt: 0 })],
      ['anonymous', str()],
      ['validate_request_body', bool({ required: true, default: false })],
      ['enforce_headers', arr(str(), { default: [] })],
      ['algorithms', arr(str({ one_of: ALGORITHMS }), { default: [...ALGORITHMS] })],
      ['realm', str({ required: false })],
    ],
  },
  compile: (config) => {
    const c = config as unknown as Conf;
    return { ...c, challenge: c.realm ? `hmac realm="${c.realm}"` : 'hmac' };
  },
  prepare: (table) => indexCredentials(table.hmacauth_credentials, 'username'),
  access(kong, conf) {
    // Already authenticated by another plugin with anonymous set: a logical OR of auth plugins.
    if (conf.anonymous && kong.client.getCredential()) return;
    const r = authenticate(kong, conf);
    if (r instanceof Promise) return r.then((f) => conclude(kong, conf, f));
    conclude(kong, conf, r);
  },
};
