// jwt (Kong 3.10 kong/plugins/jwt/jwt_parser.lua): decoding a compact JWS and checking its
// signature and registered claims, with node:crypto in place of lua-resty-openssl.
import { constants, createHmac, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';

export const ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];
const KNOWN = new Set<string>(ALGORITHMS);

const URL_ALPHABET = /^[A-Za-z0-9_-]*$/;

/**
 * nginx's base64url decoder as Kong calls it (padding added first): only the URL alphabet, input
 * ends at the first '=', and a length of 1 mod 4 is refused. Node's own decoder skips bad
 * characters, which would accept tokens Kong refuses.
 */
export function base64UrlDecode(input: string): Buffer | null {
  const eq = input.indexOf('=');
  const body = eq === -1 ? input : input.slice(0, eq);
  if (!URL_ALPHABET.test(body) || body.length % 4 === 1) return null;
  return Buffer.from(body, 'base64url');
}

export interface Jwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signature: Buffer;
  /** header_64 "." claims_64: what the signature covers. */
  signingInput: string;
}

/** A JSON text Lua could index: objects as they are, arrays and strings have no named members. */
function indexable(v: unknown): Record<string, unknown> {
  if (typeof v === 'object' && v !== null) return Array.isArray(v) ? {} : (v as Record<string, unknown>);
  if (typeof v === 'string') return {};
  // Kong indexes the decoded value without checking: a number or null is a Lua error, so a 500.
  throw new Error('JWT part is not a JSON object');
}

function parseJson(part: string | undefined): unknown {
  if (part === undefined) throw new Error('missing part');
  const bytes = base64UrlDecode(part);
  if (bytes === null) throw new Error('bad base64');
  return JSON.parse(bytes.toString('utf8'));
}

/** The token, or Kong's reason (after "Bad token; "). */
export function decodeToken(token: string): Jwt | string {
  // Header and claims end at the first two dots; the signature is everything after.
  const d1 = token.indexOf('.');
  const d2 = d1 === -1 ? -1 : token.indexOf('.', d1 + 1);
  const h64 = d1 === -1 ? token : token.slice(0, d1);
  const c64 = d1 === -1 ? undefined : d2 === -1 ? token.slice(d1 + 1) : token.slice(d1 + 1, d2);
  const s64 = d2 === -1 ? undefined : token.slice(d2 + 1);
  let header: unknown;
  let claims: unknown;
  let signature: Buffer | null;
  try {
    header = parseJson(h64);
    claims = parseJson(c64);
    if (s64 === undefined) throw new Error('missing signature');
    signature = base64UrlDecode(s64);
  } catch {
    return 'invalid JSON';
  }
  const h = indexable(header);
  if (typeof h.alg !== 'string' || !KNOWN.has(h.alg)) return 'invalid alg';
  if (claims === false) return 'invalid claims';
  if (signature === null) return 'invalid signature';
  return { header: h, claims: indexable(claims), signature, signingInput: `${h64}.${c64}` };
}

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };
/** JWS ECDSA signatures are r||s, each the curve's size (RFC 7518 3.4). */
const ES_LENGTH: Record<string, number> = { ES256: 64, ES384: 96, ES512: 132 };

/** HS*: the secret's bytes; every other algorithm: the credential's public key. */
export type KeyMaterial = Buffer | KeyObject;

/** A PEM public key; Kong's verifier asserts it parses, so a bad one is a server error. */
export function parsePublicKey(pem: string): KeyObject {
  try {
    return createPublicKey(pem);
  } catch {
    throw new Error('Consumer Public Key is Invalid');
  }
}

function safeVerify(hash: string | null, data: Buffer, key: Parameters<typeof verify>[2], sig: Buffer): boolean {
  try {
    return verify(hash, data, key, sig);
  } catch {
    // OpenSSL's verify failing (wrong key type, malformed signature) is a failed check in Kong.
    return false;
  }
}

export function verifySignature(alg: Algorithm, jwt: Jwt, key: KeyMaterial): boolean {
  const data = Buffer.from(jwt.signingInput);
  const sig = jwt.signature;
  if (alg.startsWith('HS')) {
    const mac = createHmac(HASH[alg.slice(2)]!, key as Buffer).update(data).digest();
    return mac.length === sig.length && timingSafeEqual(mac, sig);
  }
  const pub = key as KeyObject;
  if (alg === 'EdDSA') return safeVerify(null, data, pub, sig);
  const hash = HASH[alg.slice(2)]!;
  if (alg.startsWith('RS')) return safeVerify(hash, data, pub, sig);
  if (alg.startsWith('ES')) {
    // Kong asserts the length, so a wrong one is a server error, not a 401.
    if (sig.length !== ES_LENGTH[alg]) throw new Error(`Signature must be ${ES_LENGTH[alg]} bytes.`);
    return safeVerify(hash, data, { key: pub, dsaEncoding: 'ieee-p1363' }, sig);
  }
  // PS*: Kong asserts a 2048-bit modulus' signature length whatever the key.
  if (sig.length !== 256) throw new Error('Signature must be 256 bytes');
  return safeVerify(hash, data, { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig);
}

export type ClaimErrors = Record<string, string | string[]>;

/** Kong's registered-claim checks: each listed claim a number, exp in the future, nbf in the past. */
export function verifyClaims(claims: Record<string, unknown>, toVerify: readonly string[], now: number): ClaimErrors | null {
  let errors: ClaimErrors | null = null;
  const add = (k: string, msg: string) => {
    errors ??= {};
    const prev = errors[k];
    errors[k] = prev === undefined ? msg : Array.isArray(prev) ? [...prev, msg] : [prev, msg];
  };
  for (const name of toVerify) {
    const v = claims[name];
    if (typeof v !== 'number') add(name, 'must be a number');
    else if (name === 'exp' && v <= now) add(name, 'token expired');
    else if (name === 'nbf' && v > now) add(name, 'token not valid yet');
  }
  return errors;
}

/** Lua's arithmetic on a claim: numbers and numeric strings; anything else is a Lua error (500). */
function luaNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  throw new Error('exp claim is not a number');
}

export function exceedsMaximum(claims: Record<string, unknown>, maximum: number, now: number): boolean {
  const exp = claims.exp;
  return exp === undefined || luaNumber(exp) - now > maximum;
}
