// jwt (Kong 3.10 kong/plugins/jwt/handler.lua): a signed JWT from the query string, a cookie or a
// Bearer header, its key claim looked up among jwt_secrets, signature and claims verified.
import type { KeyObject } from 'node:crypto';
import { KONG_PROTOCOL_VERSION } from '../../version.js';
import type { Row } from '../../entities/index.js';
import type { ConfigTable } from '../../proxy/config.js';
import type { PluginModule } from '../types.js';
import type { HeaderValue, Kong } from '../pdk/types.js';
import { authenticateAnonymous, consumerIdOf, setConsumer } from '../auth-common.js';
import { jwtSchema } from './schema.js';
import { base64UrlDecode, decodeToken, exceedsMaximum, parsePublicKey, verifyClaims, verifySignature, type Algorithm, type ClaimErrors, type KeyMaterial } from './token.js';

interface Conf {
  uriParams: string[];
  /** Lower-cased: nginx matches cookie names case-insensitively. */
  cookies: string[];
  /** Lower-cased, and the hyphenated spelling nginx also answers to. */
  headers: { name: string; alt: string | null }[];
  keyClaim: string;
  secretIsBase64: boolean;
  claims: string[];
  anonymous: string | null;
  runOnPreflight: boolean;
  maximumExpiration: number;
  challenge: string;
  challengeInvalid: string;
}

/** One credential, with its key material worked out at most once per config. */
interface Secret {
  row: Row;
  key: string;
  consumerId: string | null;
  raw?: Buffer | null;
  decoded?: Buffer | null;
  /** 'bad': Kong asserts the PEM parses on every use; remembered so a bad one is parsed once. */
  publicKey?: KeyObject | 'bad';
}

type Failure = { status: number; body: Record<string, unknown> | ClaimErrors; headers?: Record<string, HeaderValue> };

// `?jwt` without a value reaches Kong as `true`: a token it cannot recognise.
const FLAG = Symbol('flag');
type Token = string | typeof FLAG;

const BEARER = /[\t\n\v\f\r ]*[Bb]earer[\t\n\v\f\r ]+(.+)/;

function cookieValue(header: HeaderValue | undefined, lowerName: string): string | null {
  if (header === undefined) return null;
  for (const line of Array.isArray(header) ? header : [header]) {
    for (const part of line.split(';')) {
      const eq = part.indexOf('=');
      if (eq === -1) continue;
      if (part.slice(0, eq).trim().toLowerCase() === lowerName) return part.slice(eq + 1).trim();
    }
  }
  return null;
}

function retrieveTokens(kong: Kong, conf: Conf): Set<Token> {
  const tokens = new Set<Token>();
  if (conf.uriParams.length) {
    const q = kong.request.getQuery();
    for (const name of conf.uriParams) {
      const v = q[name];
      for (const t of v === undefined ? [] : Array.isArray(v) ? v : [v]) {
        if (t === true) tokens.add(FLAG);
        else if (t !== '') tokens.add(t);
      }
    }
  }
  const headers = kong.request.getHeaders();
  for (const name of conf.cookies) {
    const c = cookieValue(headers.cookie, name);
    if (c) tokens.add(c);
  }
  for (const { name, alt } of conf.headers) {
    const v = headers[name] ?? (alt ? headers[alt] : undefined);
    const first = Array.isArray(v) ? v[0] : v;
    const m = first === undefined ? null : BEARER.exec(first);
    if (m && m[1]) tokens.add(m[1]);
  }
  return tokens;
}

function keyMaterial(secret: Secret, alg: Algorithm, conf: Conf): KeyMaterial | null {
  const row = secret.row;
  if (alg.startsWith('HS')) {
    if (typeof row.secret !== 'string') return null;
    if (!conf.secretIsBase64) return (secret.raw ??= Buffer.from(row.secret));
    if (secret.decoded === undefined) secret.decoded = base64UrlDecode(row.secret);
    return secret.decoded;
  }
  if (typeof row.rsa_public_key !== 'string') return null;
  if (secret.publicKey === undefined) {
    try {
      secret.publicKey = parsePublicKey(row.rsa_public_key);
    } catch (err) {
      secret.publicKey = 'bad';
      throw err;
    }
  }
  if (secret.publicKey === 'bad') throw new Error('Consumer Public Key is Invalid');
  return secret.publicKey;
}

function authenticate(kong: Kong, conf: Conf): Failure | null {
  const tokens = retrieveTokens(kong, conf);
  const bad = (message: string): Failure => ({ status: 401, body: { message }, headers: { 'WWW-Authenticate': conf.challengeInvalid } });
  if (tokens.size === 0) return { status: 401, body: { message: 'Unauthorized' }, headers: { 'WWW-Authenticate': conf.challenge } };
  if (tokens.size > 1) return bad('Multiple tokens provided');
  const token = tokens.values().next().value as Token;
  if (token === FLAG) return bad('Unrecognizable token');

  const jwt = decodeToken(token);
  if (typeof jwt === 'string') return bad(`Bad token; ${jwt}`);

  const name = conf.keyClaim;
  let key = jwt.claims[name];
  if (key === undefined || key === false) key = jwt.header[name];
  if (key === undefined || key === false) return bad(`No mandatory '${name}' in claims`);
  if (key === '') return bad(`Invalid '${name}' in claims`);
  // Kong's lookup by a non-string key fails its schema check: a server error.
  if (typeof key !== 'string') throw new Error(`'${name}' claim is not a string`);

  const secret = (kong.data as Map<string, Secret>).get(key);
  if (!secret) return bad(`No credentials found for given '${name}'`);
  const alg = (typeof secret.row.algorithm === 'string' ? secret.row.algorithm : 'HS256') as Algorithm;
  if (jwt.header.alg !== alg) return bad('Invalid algorithm');

  const material = keyMaterial(secret, alg, conf);
  if (!material) return bad('Invalid key/secret');
  if (!verifySignature(alg, jwt, material)) return bad('Invalid signature');

  const now = Math.floor(Date.now() / 1000);
  const claimErrors = verifyClaims(jwt.claims, conf.claims, now);
  if (claimErrors) return { status: 401, body: claimErrors, headers: { 'WWW-Authenticate': conf.challengeInvalid } };
  if (conf.maximumExpiration > 0 && exceedsMaximum(jwt.claims, conf.maximumExpiration, now)) {
    return { status: 401, body: { exp: 'exceeds maximum allowed expiration' }, headers: { 'WWW-Authenticate': conf.challengeInvalid } };
  }

  const consumer = secret.consumerId ? kong.client.loadConsumer(secret.consumerId) : null;
  if (!consumer) return { status: 401, body: { message: `Could not find consumer for '${name}=${key}'` } };
  setConsumer(kong, consumer, secret.row);
  // Kong identifies a JWT credential by its key, not its id.
  kong.service.request.setHeader('X-Credential-Identifier', secret.key);
  kong.ctx.shared.authenticated_jwt_token = token;
  return null;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export const jwt: PluginModule<Conf, Map<string, Secret>> = {
  name: 'jwt',
  version: KONG_PROTOCOL_VERSION,
  priority: 1450,
  schema: jwtSchema,
  compile(c) {
    const realm = typeof c.realm === 'string' ? c.realm : null;
    const challenge = realm !== null ? `Bearer realm="${realm}"` : 'Bearer';
    return {
      uriParams: strings(c.uri_param_names),
      cookies: strings(c.cookie_names).map((n) => n.toLowerCase()),
      headers: strings(c.header_names).map((n) => {
        const name = n.toLowerCase();
        return { name, alt: name.includes('_') ? name.replace(/_/g, '-') : null };
      }),
      keyClaim: typeof c.key_claim_name === 'string' ? c.key_claim_name : 'iss',
      secretIsBase64: c.secret_is_base64 === true,
      claims: strings(c.claims_to_verify),
      anonymous: typeof c.anonymous === 'string' ? c.anonymous : null,
      runOnPreflight: c.run_on_preflight !== false,
      maximumExpiration: typeof c.maximum_expiration === 'number' ? c.maximum_expiration : 0,
      challenge,
      challengeInvalid: realm !== null ? `${challenge}, error="invalid_token"` : 'Bearer error="invalid_token"',
    };
  },
  prepare(table: ConfigTable) {
    const out = new Map<string, Secret>();
    const rows = table.jwt_secrets;
    if (!Array.isArray(rows)) return out;
    for (const row of rows as Row[]) {
      if (typeof row.key === 'string') out.set(row.key, { row, key: row.key, consumerId: consumerIdOf(row) });
    }
    return out;
  },
  access(kong, conf) {
    if (!conf.runOnPreflight && kong.request.getMethod() === 'OPTIONS') return;
    if (conf.anonymous) {
      // Logical OR with other auth plugins: an earlier success stands; a failure falls back to anonymous.
      if (kong.client.getCredential()) return;
      if (authenticate(kong, conf)) {
        delete kong.ctx.shared.authenticated_jwt_token;
        authenticateAnonymous(kong, conf.anonymous);
      }
      return;
    }
    const failed = authenticate(kong, conf);
    if (failed) kong.response.exit(failed.status, failed.body, failed.headers);
  },
};
