// Key types hybridctl can create and sign with, on Node's WebCrypto.
import { webcrypto, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { UsageError } from '../errors.js';
import { toPem } from './pem.js';

const subtle = webcrypto.subtle;

export type KeySpec =
  | { type: 'ec'; curve: 'P-256' | 'P-384' }
  | { type: 'rsa'; bits: 2048 | 3072 | 4096 }
  | { type: 'ed25519' };

export const KEY_TYPES = ['ec', 'rsa', 'ed25519'] as const;
export const CURVES = ['P-256', 'P-384'] as const;
export const RSA_BITS = [2048, 3072, 4096] as const;

export interface KeyPair {
  publicKey: CryptoKey;
  privateKey: CryptoKey;
  spec: KeySpec;
}

export function keySpec(type = 'ec', curve = 'P-256', bits: number | string = 2048): KeySpec {
  if (type === 'ec') {
    if (!(CURVES as readonly string[]).includes(curve)) throw new UsageError(`invalid value '${curve}' for --curve; options are ${CURVES.join(', ')}`);
    return { type, curve: curve as 'P-256' | 'P-384' };
  }
  if (type === 'rsa') {
    const n = Number(bits);
    if (!(RSA_BITS as readonly number[]).includes(n)) throw new UsageError(`invalid value '${bits}' for --rsa-bits; options are ${RSA_BITS.join(', ')}`);
    return { type, bits: n as 2048 | 3072 | 4096 };
  }
  if (type === 'ed25519') return { type };
  throw new UsageError(`invalid value '${type}' for --key-type; options are ${KEY_TYPES.join(', ')}`);
}

export function describeSpec(s: KeySpec): string {
  return s.type === 'ec' ? `EC ${s.curve}` : s.type === 'rsa' ? `RSA ${s.bits}` : 'Ed25519';
}

function generationAlgorithm(s: KeySpec): EcKeyGenParams | RsaHashedKeyGenParams | Algorithm {
  if (s.type === 'ec') return { name: 'ECDSA', namedCurve: s.curve };
  if (s.type === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', modulusLength: s.bits, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
  return { name: 'Ed25519' };
}

/** The algorithm a certificate is signed with by a key of this type. */
export function signingAlgorithm(s: KeySpec): Algorithm & { hash?: string } {
  if (s.type === 'ec') return { name: 'ECDSA', hash: s.curve === 'P-384' ? 'SHA-384' : 'SHA-256' };
  if (s.type === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  return { name: 'Ed25519' };
}

export async function generateKeyPair(s: KeySpec): Promise<KeyPair> {
  const pair = (await subtle.generateKey(generationAlgorithm(s) as EcKeyGenParams, true, ['sign', 'verify'])) as CryptoKeyPair;
  return { publicKey: pair.publicKey, privateKey: pair.privateKey, spec: s };
}

export async function privateKeyPem(k: KeyPair): Promise<string> {
  return toPem('PRIVATE KEY', new Uint8Array(await subtle.exportKey('pkcs8', k.privateKey)));
}

/** Imports an existing private key (any PEM form Node reads) for signing, e.g. --issuer-key. */
export async function importSigningKey(key: KeyObject, what: string): Promise<KeyPair> {
  const type = key.asymmetricKeyType;
  const d = key.asymmetricKeyDetails ?? {};
  let spec: KeySpec;
  if (type === 'ec') {
    const curve = d.namedCurve === 'prime256v1' ? 'P-256' : d.namedCurve === 'secp384r1' ? 'P-384' : undefined;
    if (!curve) throw new UsageError(`${what}: EC curve ${d.namedCurve} is not supported for signing; use P-256 or P-384`);
    spec = { type: 'ec', curve };
  } else if (type === 'rsa') {
    spec = { type: 'rsa', bits: (d.modulusLength ?? 2048) as 2048 };
  } else if (type === 'ed25519') {
    spec = { type: 'ed25519' };
  } else {
    throw new UsageError(`${what}: ${type} keys are not supported for signing; use EC, RSA or Ed25519`);
  }
  const pkcs8 = key.export({ format: 'der', type: 'pkcs8' });
  const alg = spec.type === 'ec' ? { name: 'ECDSA', namedCurve: spec.curve } : spec.type === 'rsa' ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } : { name: 'Ed25519' };
  const privateKey = await subtle.importKey('pkcs8', pkcs8, alg, true, ['sign']);
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  const publicKey = await subtle.importKey('spki', spki, alg, true, ['verify']);
  return { privateKey, publicKey, spec };
}

export function keyObjectOf(pem: string): KeyObject {
  return createPrivateKey(pem);
}
