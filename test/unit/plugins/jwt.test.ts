// jwt, ported from Kong's spec/03-plugins/16-jwt/{01-jwt_parser,03-access,06-schema}_spec.lua (each
// case names its it()). Keys are made here with node:crypto instead of Kong's fixtures.lua.
import { constants, createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useHarness, useCluster } from './harness.js';
import { jwt as jwtPlugin } from '../../../src/plugins/jwt/index.js';
import { decodeToken, verifyClaims, verifySignature, parsePublicKey, type Algorithm, type Jwt } from '../../../src/plugins/jwt/token.js';
import { validateConfig } from '../../../src/plugins/schema/validate.js';
import { nodePlugins } from '../../../src/plugins/catalogue.js';
import type { PluginModule } from '../../../src/plugins/types.js';

// ---- keys and an encoder (Kong's jwt_parser.encode, for tests) ----
type Pair = { priv: KeyObject; pub: string };
const pair = (k: { privateKey: KeyObject; publicKey: KeyObject }): Pair => ({ priv: k.privateKey, pub: k.publicKey.export({ type: 'spki', format: 'pem' }) as string });
const RSA = pair(generateKeyPairSync('rsa', { modulusLength: 2048 }));
const RSA2 = pair(generateKeyPairSync('rsa', { modulusLength: 2048 }));
const EC256 = pair(generateKeyPairSync('ec', { namedCurve: 'P-256' }));
const EC384 = pair(generateKeyPairSync('ec', { namedCurve: 'P-384' }));
const EC521 = pair(generateKeyPairSync('ec', { namedCurve: 'P-521' }));
const ED25519 = pair(generateKeyPairSync('ed25519'));
const ED448 = pair(generateKeyPairSync('ed448'));

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

function signature(alg: string, input: string, key: string | KeyObject): Buffer {
  const data = Buffer.from(input);
  const hash = `sha${alg.slice(2)}`;
  if (alg.startsWith('HS')) return createHmac(hash, key as string).update(data).digest();
  if (alg === 'EdDSA') return sign(null, data, key as KeyObject);
  if (alg.startsWith('RS')) return sign(hash, data, key as KeyObject);
  if (alg.startsWith('ES')) return sign(hash, data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
  return sign(hash, data, { key: key as KeyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 });
}

function encode(payload: unknown, key: string | KeyObject, alg = 'HS256', header?: Record<string, unknown>): string {
  const input = `${b64(JSON.stringify(header ?? { typ: 'JWT', alg }))}.${b64(JSON.stringify(payload))}`;
  return `${input}.${b64(signature(alg, input, key))}`;
}

const now = () => Math.floor(Date.now() / 1000);
const payload = (extra: Record<string, unknown> = {}) => ({ nbf: now(), iat: now(), exp: now() + 3600, ...extra });

// ---- 01-jwt_parser_spec.lua ----
function parsed(token: string): Jwt {
  const j = decodeToken(token);
  if (typeof j === 'string') throw new Error(j);
  return j;
}
const pubKey = (p: Pair) => parsePublicKey(p.pub);

describe('jwt parser (spec/03-plugins/16-jwt/01-jwt_parser_spec.lua)', () => {
  // Kong's spec: each verifies with its own key and fails with another one.
  const SIGNERS: [Algorithm, Pair, Pair][] = [
    ['RS256', RSA, RSA2], ['RS384', RSA, RSA2], ['RS512', RSA, RSA2],
    ['ES256', EC256, RSA], ['ES384', EC384, RSA], ['ES512', EC521, RSA],
    ['PS256', RSA, EC256], ['PS384', RSA, EC256], ['PS512', RSA, EC256],
  ];
  for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
    it(`using ${alg}`, () => {
      const j = parsed(encode({ sub: '1234567890', name: 'John Doe', admin: true }, 'secret', alg));
      expect(verifySignature(alg, j, Buffer.from('secret'))).toBe(true);
      expect(verifySignature(alg, j, Buffer.from('invalid'))).toBe(false);
    });
  }
  for (const [alg, key, wrong] of SIGNERS) {
    it(`using ${alg}`, () => {
      const j = parsed(encode({ sub: '1234567890', name: 'John Doe', admin: true }, key.priv, alg));
      expect(verifySignature(alg, j, pubKey(key))).toBe(true);
      expect(verifySignature(alg, j, pubKey(wrong))).toBe(false);
    });
  }
  it('should encode using EdDSA with Ed25519 key', () => {
    const j = parsed(encode({ sub: 'foo' }, ED25519.priv, 'EdDSA'));
    expect(verifySignature('EdDSA', j, pubKey(ED25519))).toBe(true);
    expect(verifySignature('EdDSA', j, pubKey(ED448))).toBe(false);
  });
  it('should encode using EdDSA with Ed448 key', () => {
    const j = parsed(encode({ sub: 'foo' }, ED448.priv, 'EdDSA'));
    expect(verifySignature('EdDSA', j, pubKey(ED448))).toBe(true);
    expect(verifySignature('EdDSA', j, pubKey(ED25519))).toBe(false);
  });
  it('refuses invalid alg', () => {
    expect(decodeToken(encode({ sub: 'foo' }, 'secret', 'HS256', { typ: 'JWT', alg: 'foo' }))).toBe('invalid alg');
  });
  it('accepts a valid encoding request', () => {
    expect(parsed(encode({ sub: 'foo' }, 'secret', 'HS256', { typ: 'JWT', alg: 'HS256' })).claims).toEqual({ sub: 'foo' });
  });
  it('accepts a valid encoding request with lowercase TYP', () => {
    expect(parsed(encode({ sub: 'foo' }, 'secret', 'HS256', { typ: 'jwt', alg: 'HS256' })).header.typ).toBe('jwt');
  });
  it('accepts a valid encoding request with missing TYP', () => {
    expect(parsed(encode({ sub: 'foo' }, 'secret', 'HS256', { alg: 'HS256' })).header).toEqual({ alg: 'HS256' });
  });
  it('requires claims passed as arguments', () => {
    const j = parsed(encode({ sub: 'foo' }, 'secret'));
    expect(verifyClaims(j.claims, ['exp', 'nbf'], now())).toEqual({ exp: 'must be a number', nbf: 'must be a number' });
    expect(verifyClaims(j.claims, ['nbf'], now())).toEqual({ nbf: 'must be a number' });
  });
  it('checks the type of given registered claims', () => {
    const j = parsed(encode({ exp: 'bar', nbf: 'foo' }, 'secret'));
    expect(verifyClaims(j.claims, ['exp', 'nbf'], now())).toEqual({ exp: 'must be a number', nbf: 'must be a number' });
  });
  it('checks the exp claim', () => {
    expect(verifyClaims(parsed(encode({ exp: now() - 10 }, 'secret')).claims, ['exp'], now())).toEqual({ exp: 'token expired' });
  });
  it('checks the nbf claim', () => {
    expect(verifyClaims(parsed(encode({ nbf: now() + 10 }, 'secret')).claims, ['nbf'], now())).toEqual({ nbf: 'token not valid yet' });
  });
  it('(hybridctl) a JWS ECDSA signature of the wrong length is a server error, as Kong asserts it', () => {
    const t = encode({ sub: 'foo' }, EC256.priv, 'ES256');
    const j = parsed(`${t.slice(0, t.lastIndexOf('.'))}.${b64(Buffer.alloc(70))}`);
    expect(() => verifySignature('ES256', j, pubKey(EC256))).toThrow('Signature must be 64 bytes.');
  });
  it('(hybridctl) the base64url decoder refuses characters outside the URL alphabet', () => {
    const t = encode({ sub: 'foo' }, 'secret');
    expect(decodeToken(`${t.slice(0, t.lastIndexOf('.'))}.ab+/`)).toBe('invalid signature');
    expect(decodeToken(`a${t}`)).toBe('invalid JSON');
    expect(decodeToken('only.two')).toBe('invalid JSON');
  });
});

// ---- 03-access_spec.lua ----
const ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ANON = ID(99);
const MISSING = ID(98);
const B64_ORIGINAL = 'the-original-secret!';
const B64_SECRET = Buffer.from(B64_ORIGINAL).toString('base64');

/** Stands in for Kong's ctx-checker test plugin: echoes kong.ctx.shared.authenticated_jwt_token. */
const ctxChecker: PluginModule = {
  name: 'ctx-checker', version: '3.10.0', priority: 1000, schema: { fields: [] },
  access: (kong) => void (typeof kong.ctx.shared.authenticated_jwt_token === 'string' && kong.response.setHeader('ctx-checker-authenticated-jwt-token', kong.ctx.shared.authenticated_jwt_token)),
};

const SECRETS: [number, string, Record<string, unknown>][] = [
  [1, 'jwt_tests_consumer', { key: 'hs256-key', secret: 'hs256-secret' }],
  [2, 'jwt_tests_base64_consumer', { key: 'b64-key', secret: B64_SECRET }],
  [3, 'jwt_tests_rsa_consumer_1', { key: 'rs256-1', algorithm: 'RS256', rsa_public_key: RSA.pub }],
  [4, 'jwt_tests_rsa_consumer_2', { key: 'rs256-2', algorithm: 'RS256', rsa_public_key: RSA.pub }],
  [5, 'jwt_tests_rsa_consumer_5', { key: 'rs512', algorithm: 'RS512', rsa_public_key: RSA.pub }],
  [6, 'jwt_tests_consumer_6', { key: 'hs256-kid', secret: 'kid-secret' }],
  [7, 'jwt_tests_hs_consumer_7', { key: 'hs384', algorithm: 'HS384', secret: 'hs384-secret' }],
  [8, 'jwt_tests_hs_consumer_8', { key: 'hs512', algorithm: 'HS512', secret: 'hs512-secret' }],
  [9, 'jwt_tests_rsa_consumer_9', { key: 'rs384', algorithm: 'RS384', rsa_public_key: RSA.pub }],
  [10, 'jwt_tests_rsa_consumer_10', { key: 'es384', algorithm: 'ES384', rsa_public_key: EC384.pub }],
  [11, 'jwt_tests_rsa_consumer_11', { key: 'es512', algorithm: 'ES512', rsa_public_key: EC521.pub }],
  [12, 'jwt_tests_rsa_consumer_12', { key: 'ps256', algorithm: 'PS256', rsa_public_key: RSA.pub }],
  [13, 'jwt_tests_rsa_consumer_13', { key: 'ps384', algorithm: 'PS384', rsa_public_key: RSA.pub }],
  [14, 'jwt_tests_rsa_consumer_14', { key: 'ps512', algorithm: 'PS512', rsa_public_key: RSA.pub }],
  [15, 'jwt_tests_rsa_consumer_15', { key: 'ed25519', algorithm: 'EdDSA', rsa_public_key: ED25519.pub }],
  [16, 'jwt_tests_rsa_consumer_16', { key: 'ed448', algorithm: 'EdDSA', rsa_public_key: ED448.pub }],
  [17, 'hybridctl_es256', { key: 'es256', algorithm: 'ES256', rsa_public_key: EC256.pub }],
];

function fixture(): Record<string, unknown> {
  const route = (n: number, config?: Record<string, unknown>, extra: Record<string, unknown>[] = []) => ({
    name: `jwt${n}`, hosts: [`jwt${n}.test`], plugins: [{ name: 'jwt', ...(config ? { config } : {}) }, ...extra],
  });
  return {
    consumers: [
      ...SECRETS.map(([n, username, cred]) => ({ id: ID(n), username, jwt_secrets: [cred] })),
      { id: ANON, username: 'no-body' },
    ],
    services: [{
      name: 'svc',
      routes: [
        route(1, undefined, [{ name: 'ctx-checker' }]),
        route(2, { uri_param_names: ['token', 'jwt'] }),
        route(3, { claims_to_verify: ['nbf', 'exp'] }),
        route(4, { key_claim_name: 'aud' }),
        route(5, { secret_is_base64: true }),
        route(6, { anonymous: ANON }),
        route(7, { anonymous: MISSING }),
        route(8, { run_on_preflight: false }),
        route(9, { cookie_names: ['silly', 'crumble'], realm: 'test-jwt' }),
        route(10, { key_claim_name: 'kid' }),
        route(11, { claims_to_verify: ['nbf', 'exp'], maximum_expiration: 300 }),
        route(12, { header_names: ['CustomAuthorization'] }),
        route(13, { anonymous: 'no-body' }),
      ],
    }],
  };
}

interface Case {
  it: string;
  host: string;
  method?: string;
  path?: string;
  headers?: Record<string, string | string[]>;
  status: number;
  /** The exact response body. */
  body?: unknown;
  challenge?: string | null;
  check?: (r: { headers: Record<string, unknown>; echo: () => { headers: Record<string, unknown> } }) => void;
}

const HS = (extra: Record<string, unknown> = {}) => encode(payload({ iss: 'hs256-key', ...extra }), 'hs256-secret');
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const INVALID = 'Bearer error="invalid_token"';
const consumerIs = (username: string, key: string) => (r: { echo: () => { headers: Record<string, unknown> } }) => {
  const h = r.echo().headers;
  expect(h['x-consumer-username']).toBe(username);
  expect(h['x-credential-identifier']).toBe(key);
  expect(h['x-anonymous-consumer']).toBeUndefined();
  expect(h['x-credential-username']).toBeUndefined();
};
const verifies = (alg: string, key: string, priv: KeyObject, username: string): Case[] => [
  { it: `${alg}: verifies JWT`, host: 'jwt1.test', headers: bearer(encode(payload({ iss: key }), priv, alg)), status: 200, check: consumerIs(username, key) },
];

const T1 = HS();
const CASES: Case[] = [
  { it: 'returns 401 Unauthorized if no JWT is found in the request', host: 'jwt1.test', status: 401, body: { message: 'Unauthorized' }, challenge: 'Bearer' },
  { it: 'returns 401 if the claims do not contain the key to identify a secret', host: 'jwt1.test', headers: bearer(encode(payload(), 'foo')), status: 401, body: { message: "No mandatory 'iss' in claims" }, challenge: INVALID },
  { it: 'returns 401 if the claims do not contain a valid key to identify a secret', host: 'jwt1.test', headers: bearer(encode(payload({ iss: '' }), 'foo')), status: 401, body: { message: "Invalid 'iss' in claims" }, challenge: INVALID },
  { it: 'returns 401 Unauthorized if the iss does not match a credential', host: 'jwt1.test', headers: bearer(encode(payload({ iss: '123456789' }), 'hs256-secret')), status: 401, body: { message: "No credentials found for given 'iss'" }, challenge: INVALID },
  { it: 'returns 401 Unauthorized if the signature is invalid', host: 'jwt1.test', headers: bearer(encode(payload({ iss: 'hs256-key' }), 'foo')), status: 401, body: { message: 'Invalid signature' }, challenge: INVALID },
  { it: 'returns 401 Unauthorized if the alg does not match the credential', host: 'jwt1.test', headers: bearer(encode(payload({ iss: 'hs256-key' }), 'hs256-secret', 'HS256', { typ: 'JWT', alg: 'RS256' })), status: 401, body: { message: 'Invalid algorithm' }, challenge: INVALID },
  { it: 'returns 200 on OPTIONS requests if run_on_preflight is false', host: 'jwt8.test', method: 'OPTIONS', path: '/request', status: 200 },
  { it: 'returns Unauthorized on OPTIONS requests if run_on_preflight is true', host: 'jwt1.test', method: 'OPTIONS', path: '/request', status: 401, body: '{"message":"Unauthorized"}', challenge: 'Bearer' },
  { it: 'returns 401 if the token exceeds the maximum allowed expiration limit', host: 'jwt11.test', path: `/request/?jwt=${encode({ iss: 'hs256-key', exp: now() + 3600, nbf: now() - 30 }, 'hs256-secret')}`, status: 401, body: '{"exp":"exceeds maximum allowed expiration"}', challenge: INVALID },
  { it: 'accepts a JWT token within the maximum allowed expiration limit', host: 'jwt11.test', path: `/request/?jwt=${encode({ iss: 'hs256-key', exp: now() + 270, nbf: now() - 30 }, 'hs256-secret')}`, status: 200 },
  { it: 'reject if multiple different tokens found', host: 'jwt1.test', path: `/request?jwt=${T1}`, headers: { authorization: 'Bearer invalid.jwt.token' }, status: 401, body: { message: 'Multiple tokens provided' }, challenge: INVALID },
  { it: '(hybridctl) the same token in two places is one token', host: 'jwt1.test', path: `/request?jwt=${T1}`, headers: bearer(T1), status: 200 },
  { it: '(hybridctl) a query argument without a value is an unrecognizable token', host: 'jwt1.test', path: '/request?jwt', status: 401, body: { message: 'Unrecognizable token' }, challenge: INVALID },

  { it: 'HS256: proxies the request with token and consumer headers if it was verified', host: 'jwt1.test', headers: bearer(T1), status: 200, check: (r) => { consumerIs('jwt_tests_consumer', 'hs256-key')(r); expect(r.echo().headers.authorization).toBe(`Bearer ${T1}`); } },
  { it: 'proxies the request if the key is found in headers', host: 'jwt10.test', headers: bearer(encode(payload({ iss: 'hs256-key' }), 'kid-secret', 'HS256', { typ: 'JWT', alg: 'HS256', kid: 'hs256-kid' })), status: 200, check: consumerIs('jwt_tests_consumer_6', 'hs256-kid') },
  { it: 'proxies the request if secret key is stored in a field other than iss', host: 'jwt4.test', headers: bearer(HS({ aud: 'hs256-key', iss: 'nobody' })), status: 200, check: consumerIs('jwt_tests_consumer', 'hs256-key') },
  { it: 'proxies the request if secret is base64', host: 'jwt5.test', headers: bearer(encode(payload({ iss: 'b64-key' }), B64_ORIGINAL)), status: 200, check: consumerIs('jwt_tests_base64_consumer', 'b64-key') },
  { it: '(hybridctl) a base64 secret is not used as it is', host: 'jwt5.test', headers: bearer(encode(payload({ iss: 'b64-key' }), B64_SECRET)), status: 401, body: { message: 'Invalid signature' } },
  { it: 'returns 200 the JWT is found in the cookie crumble', host: 'jwt9.test', headers: { cookie: `crumble=${T1}; path=/;domain=.jwt9.test` }, status: 200 },
  { it: 'returns 200 if the JWT is found in the cookie silly', host: 'jwt9.test', headers: { cookie: `silly=${T1}; path=/;domain=.jwt9.test` }, status: 200 },
  { it: 'returns 401 if the JWT found in the cookie does not match a credential', host: 'jwt9.test', headers: { cookie: `silly=${HS({ iss: 'incorrect-issuer' })}; path=/;domain=.jwt9.test` }, status: 401, body: { message: "No credentials found for given 'iss'" }, challenge: 'Bearer realm="test-jwt", error="invalid_token"' },
  { it: 'returns a 401 if the JWT in the cookie is corrupted', host: 'jwt9.test', headers: { cookie: `silly=no-way-this-works${T1}; path=/;domain=.jwt9.test` }, status: 401, body: '{"message":"Bad token; invalid JSON"}', challenge: 'Bearer realm="test-jwt", error="invalid_token"' },
  { it: 'reports a 200 without cookies but with a JWT token in the Authorization header', host: 'jwt9.test', headers: bearer(T1), status: 200 },
  { it: 'returns 401 if no JWT tokens are found in cookies or Authorization header', host: 'jwt9.test', status: 401, challenge: 'Bearer realm="test-jwt"' },
  { it: 'returns 200 without cookies but with a JWT token in the CustomAuthorization header', host: 'jwt12.test', headers: { CustomAuthorization: `Bearer ${T1}` }, status: 200 },
  { it: 'finds the JWT in the first header occurrence of a duplicated custom authorization header', host: 'jwt12.test', headers: { CustomAuthorization: [`Bearer ${T1}`, 'Bearer other-token'] }, status: 200 },
  { it: '(hybridctl) a custom header name replaces Authorization', host: 'jwt12.test', headers: bearer(T1), status: 401, body: { message: 'Unauthorized' }, challenge: 'Bearer' },
  { it: 'finds the JWT if given in URL parameters', host: 'jwt1.test', path: `/request/?jwt=${T1}`, status: 200 },
  { it: 'finds the JWT if given in a custom URL parameter', host: 'jwt2.test', path: `/request/?token=${T1}`, status: 200 },

  ...verifies('RS256', 'rs256-1', RSA.priv, 'jwt_tests_rsa_consumer_1'),
  { it: 'RS256: identifies Consumer', host: 'jwt1.test', headers: bearer(encode(payload({ iss: 'rs256-2' }), RSA.priv, 'RS256')), status: 200, check: consumerIs('jwt_tests_rsa_consumer_2', 'rs256-2') },
  { it: 'RS256: proxies the request if conf.secret is base64', host: 'jwt5.test', headers: bearer(encode(payload({ iss: 'rs256-2' }), RSA.priv, 'RS256')), status: 200, check: consumerIs('jwt_tests_rsa_consumer_2', 'rs256-2') },
  ...verifies('RS512', 'rs512', RSA.priv, 'jwt_tests_rsa_consumer_5'),
  ...verifies('RS384', 'rs384', RSA.priv, 'jwt_tests_rsa_consumer_9'),
  ...verifies('ES512', 'es512', EC521.priv, 'jwt_tests_rsa_consumer_11'),
  ...verifies('ES384', 'es384', EC384.priv, 'jwt_tests_rsa_consumer_10'),
  ...verifies('ES256', 'es256', EC256.priv, 'hybridctl_es256').map((c) => ({ ...c, it: `(hybridctl) ${c.it}` })),
  ...verifies('PS256', 'ps256', RSA.priv, 'jwt_tests_rsa_consumer_12'),
  ...verifies('PS384', 'ps384', RSA.priv, 'jwt_tests_rsa_consumer_13'),
  ...verifies('PS512', 'ps512', RSA.priv, 'jwt_tests_rsa_consumer_14'),
  { it: 'verifies JWT with Ed25519 key', host: 'jwt1.test', headers: bearer(encode(payload({ iss: 'ed25519' }), ED25519.priv, 'EdDSA')), status: 200, check: consumerIs('jwt_tests_rsa_consumer_15', 'ed25519') },
  { it: 'verifies JWT with Ed448 key', host: 'jwt1.test', headers: bearer(encode(payload({ iss: 'ed448' }), ED448.priv, 'EdDSA')), status: 200, check: consumerIs('jwt_tests_rsa_consumer_16', 'ed448') },
  { it: '(hybridctl) RS256 signed by another key is an invalid signature', host: 'jwt1.test', headers: bearer(encode(payload({ iss: 'rs256-1' }), RSA2.priv, 'RS256')), status: 401, body: { message: 'Invalid signature' }, challenge: INVALID },
  { it: 'HS384: proxies the request with token and consumer headers if it was verified', host: 'jwt1.test', headers: bearer(encode(payload({ iss: 'hs384' }), 'hs384-secret', 'HS384')), status: 200, check: consumerIs('jwt_tests_hs_consumer_7', 'hs384') },
  { it: 'HS512: proxies the request with token and consumer headers if it was verified', host: 'jwt1.test', headers: bearer(encode(payload({ iss: 'hs512' }), 'hs512-secret', 'HS512')), status: 200, check: consumerIs('jwt_tests_hs_consumer_8', 'hs512') },

  { it: 'requires the checked fields to be in the claims', host: 'jwt3.test', path: `/request/?jwt=${encode({ iss: 'hs256-key' }, 'hs256-secret')}`, status: 401, body: { nbf: 'must be a number', exp: 'must be a number' }, challenge: INVALID },
  { it: 'checks if the fields are valid: `exp` claim', host: 'jwt3.test', path: `/request/?jwt=${encode({ iss: 'hs256-key', exp: now() - 10, nbf: now() - 10 }, 'hs256-secret')}`, status: 401, body: '{"exp":"token expired"}', challenge: INVALID },
  { it: 'checks if the fields are valid: `nbf` claim', host: 'jwt3.test', path: `/request/?jwt=${encode({ iss: 'hs256-key', exp: now() + 7200, nbf: now() + 3600 }, 'hs256-secret')}`, status: 401, body: '{"nbf":"token not valid yet"}', challenge: INVALID },
  { it: 'is added to kong.ctx.shared when authenticated', host: 'jwt1.test', headers: bearer(T1), status: 200, check: (r) => expect(r.headers['ctx-checker-authenticated-jwt-token']).toBe(T1) },

  { it: 'works with right credentials and anonymous', host: 'jwt6.test', headers: bearer(T1), status: 200, check: consumerIs('jwt_tests_consumer', 'hs256-key') },
  {
    it: 'works with wrong credentials and anonymous', host: 'jwt6.test', status: 200,
    check: (r) => { const h = r.echo().headers; expect(h['x-anonymous-consumer']).toBe('true'); expect(h['x-consumer-username']).toBe('no-body'); expect(h['x-credential-identifier']).toBeUndefined(); },
  },
  {
    it: 'works with wrong credentials and username in anonymous', host: 'jwt13.test', status: 200,
    check: (r) => { const h = r.echo().headers; expect(h['x-anonymous-consumer']).toBe('true'); expect(h['x-consumer-username']).toBe('no-body'); expect(h['x-credential-identifier']).toBeUndefined(); },
  },
  { it: "errors when anonymous user doesn't exist", host: 'jwt7.test', status: 500, body: { message: `anonymous consumer ${MISSING} is configured but doesn't exist` } },
];

describe('jwt (spec/03-plugins/16-jwt/03-access_spec.lua)', () => {
  const h = useHarness(fixture, { modules: [jwtPlugin, ctxChecker] });
  for (const c of CASES) {
    it(c.it, async () => {
      const r = await h().send({ host: c.host, method: c.method, path: c.path ?? '/request', headers: c.headers });
      expect(r.status, r.body).toBe(c.status);
      if (typeof c.body === 'string') expect(r.body).toBe(c.body);
      else if (c.body && c.status === 500) expect(r.json().message).toBe((c.body as { message: string }).message);
      // kong.response.exit: the body is exactly this object, no request_id.
      else if (c.body) expect(r.json()).toEqual(c.body);
      if (c.challenge !== undefined) expect(r.headers['www-authenticate']).toBe(c.challenge);
      if (c.status === 401) expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
      c.check?.({ headers: r.headers, echo: () => r.echo() as unknown as { headers: Record<string, unknown> } });
    });
  }
});

// The second describe of 03-access_spec.lua: jwt together with key-auth.
const MICKEY = ID(201);
const ALADDIN = ID(202);
const ANONYMOUS = ID(203);
const USER2_TOKEN = `Bearer ${encode(payload({ iss: 'aladdin-key' }), 'aladdin-secret')}`;

function multiFixture(): Record<string, unknown> {
  return {
    consumers: [
      { id: ANONYMOUS, username: 'Anonymous' },
      { id: MICKEY, username: 'Mickey', keyauth_credentials: [{ key: 'Mouse' }] },
      { id: ALADDIN, username: 'Aladdin', jwt_secrets: [{ key: 'aladdin-key', secret: 'aladdin-secret' }] },
    ],
    services: [{
      name: 'svc',
      routes: [
        { name: 'and', hosts: ['logical-and.test'], plugins: [{ name: 'jwt' }, { name: 'key-auth' }] },
        { name: 'or', hosts: ['logical-or.test'], plugins: [{ name: 'jwt', config: { anonymous: ANONYMOUS } }, { name: 'key-auth', config: { anonymous: ANONYMOUS } }] },
      ],
    }],
  };
}

describe('jwt with key-auth (spec/03-plugins/16-jwt/03-access_spec.lua)', () => {
  const h = useCluster(multiFixture);
  const send = (host: string, headers: Record<string, string>) => h().send({ host, path: '/request', headers });
  it('multiple auth without anonymous, logical AND: passes with all credentials provided', async () => {
    const r = await send('logical-and.test', { apikey: 'Mouse', authorization: USER2_TOKEN });
    expect(r.status).toBe(200);
    const e = r.echo().headers;
    expect(e['x-anonymous-consumer']).toBeUndefined();
    expect([MICKEY, ALADDIN]).toContain(e['x-consumer-id']);
    expect(e['x-credential-identifier']).toMatch(/^[0-9a-f-]{36}$/); // key-auth's credential id, set last
  });
  it('fails 401, with only the first credential provided', async () => {
    const r = await send('logical-and.test', { apikey: 'Mouse' });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Bearer');
  });
  it('fails 401, with only the second credential provided', async () => {
    const r = await send('logical-and.test', { authorization: USER2_TOKEN });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Key');
  });
  it('fails 401, with no credential provided', async () => {
    const r = await send('logical-and.test', {});
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Bearer');
  });
  it('multiple auth with anonymous, logical OR: passes with all credentials provided', async () => {
    const r = await send('logical-or.test', { apikey: 'Mouse', authorization: USER2_TOKEN });
    expect(r.status).toBe(200);
    const e = r.echo().headers;
    expect(e['x-anonymous-consumer']).toBeUndefined();
    expect(e['x-consumer-id']).toBe(ALADDIN);
    expect(e['x-credential-identifier']).toBe('aladdin-key');
  });
  it('passes with only the first credential provided', async () => {
    const e = (await send('logical-or.test', { apikey: 'Mouse' })).echo().headers;
    expect(e['x-anonymous-consumer']).toBeUndefined();
    expect(e['x-consumer-id']).toBe(MICKEY);
    expect(e['x-credential-identifier']).not.toBe('aladdin-key');
  });
  it('passes with only the second credential provided', async () => {
    const e = (await send('logical-or.test', { authorization: USER2_TOKEN })).echo().headers;
    expect(e['x-anonymous-consumer']).toBeUndefined();
    expect(e['x-consumer-id']).toBe(ALADDIN);
    expect(e['x-credential-identifier']).toBe('aladdin-key');
  });
  it('passes with no credential provided', async () => {
    const r = await send('logical-or.test', {});
    expect(r.status).toBe(200);
    const e = r.echo().headers;
    expect(e['x-anonymous-consumer']).toBe('true');
    expect(e['x-consumer-id']).toBe(ANONYMOUS);
    expect(e['x-credential-identifier']).toBeUndefined();
  });
});

// ---- 06-schema_spec.lua (and the plugin entity's checks) ----
describe('jwt schema (spec/03-plugins/16-jwt/06-schema_spec.lua)', () => {
  it("validates 'maximum_expiration'", () => {
    const r = validateConfig(jwtPlugin.schema, { maximum_expiration: 60, claims_to_verify: ['exp', 'nbf'] });
    expect(r.errors).toBeNull();
    expect(r.config).toMatchObject({ uri_param_names: ['jwt'], cookie_names: [], key_claim_name: 'iss', secret_is_base64: false, run_on_preflight: true, header_names: ['authorization'], maximum_expiration: 60 });
  });
  it("when 'maximum_expiration' is negative", () => {
    expect(validateConfig(jwtPlugin.schema, { maximum_expiration: -1, claims_to_verify: ['exp', 'nbf'] }).errors).toEqual({ maximum_expiration: 'value should be between 0 and 31536000' });
    expect(validateConfig(jwtPlugin.schema, { maximum_expiration: -1, claims_to_verify: ['nbf'] }).errors).toEqual({ maximum_expiration: 'value should be between 0 and 31536000' });
  });
  it("when 'maximum_expiration' is specified without 'exp' in 'claims_to_verify'", () => {
    const r = validateConfig(jwtPlugin.schema, { maximum_expiration: 60, claims_to_verify: ['nbf'] });
    expect(r.errors).toEqual({ claims_to_verify: 'expected to contain: exp' });
    expect(r.entityErrors).toEqual(["failed conditional validation given value of field 'config.maximum_expiration'"]);
  });
  it('(hybridctl) claims_to_verify only takes exp and nbf', () => {
    expect(validateConfig(jwtPlugin.schema, { claims_to_verify: ['iat'] }).errors).toEqual({ claims_to_verify: { 1: 'expected one of: exp, nbf' } });
  });
  it('(hybridctl) jwt cannot be scoped to a consumer', () => {
    const cat = nodePlugins(new Map([[jwtPlugin.name, jwtPlugin]]), 'control_plane');
    expect(cat.check({ name: 'jwt', consumer: { id: ANON }, config: {}, protocols: ['http'] }).errors).toEqual({ consumer: 'value must be null' });
  });
});

describe('jwt_secrets (spec/03-plugins/16-jwt/02-api_spec.lua)', () => {
  const consumer = { id: '6c6f6e67-0000-4000-8000-000000000001' };
  it('fails with missing `rsa_public_key` parameter for RS256 algorithms', async () => {
    const { validateRow } = await import('../../../src/entities/index.js');
    expect(validateRow('jwt_secrets', { consumer, key: 'bob5', algorithm: 'RS256' }).errors).toEqual({
      rsa_public_key: 'required field missing', '@entity': ["failed conditional validation given value of field 'algorithm'"],
    });
  });
  it('fails with an invalid rsa_public_key for RS256 algorithms', async () => {
    const { validateRow } = await import('../../../src/entities/index.js');
    expect(validateRow('jwt_secrets', { consumer, key: 'bob6', algorithm: 'RS256', rsa_public_key: 'not a pem' }).errors).toEqual({
      rsa_public_key: 'invalid key', '@entity': ["failed conditional validation given value of field 'algorithm'"],
    });
    expect(validateRow('jwt_secrets', { consumer, key: 'bob7', algorithm: 'HS256' }).errors).toBeNull();
  });
});
