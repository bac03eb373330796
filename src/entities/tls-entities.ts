// Kong's TLS entities: certificates (with the transient `snis` shorthand), snis and
// ca_certificates (kong/db/schema/entities/{certificates,snis,ca_certificates}.lua), and the
// checks Kong's schema runs on them with OpenSSL, here with node:crypto.
import { X509Certificate, createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { EntitySchema, Field } from './schemas.js';

const id: Field = { type: 'string', auto: 'uuid' };
const ts: Field = { type: 'integer', auto: 'timestamp' };
const tags: Field = { type: 'set', elements: 'tag' };

export const TLS_ENTITIES = ['certificates', 'snis', 'ca_certificates'] as const;

export const TLS_SCHEMAS: Record<(typeof TLS_ENTITIES)[number], EntitySchema> = {
  certificates: {
    name: 'certificates',
    fields: {
      id, created_at: ts, updated_at: ts,
      cert: { type: 'string', required: true },
      key: { type: 'string', required: true, secret: true },
      cert_alt: { type: 'string' },
      key_alt: { type: 'string', secret: true },
      tags,
      // Kong: transient, never stored on the row; the store turns it into snis rows.
      snis: { type: 'array', elements: 'wildcard_host', transient: true },
    },
  },
  snis: {
    name: 'snis',
    endpointKey: 'name',
    parents: ['certificates'],
    fields: {
      id, created_at: ts, updated_at: ts,
      name: { type: 'string', required: true, unique: true, elements: 'wildcard_host' },
      tags,
      certificate: { type: 'foreign', reference: 'certificates', required: true },
    },
  },
  ca_certificates: {
    name: 'ca_certificates',
    fields: {
      id, created_at: ts, updated_at: ts,
      cert: { type: 'string', required: true },
      cert_digest: { type: 'string', unique: true },
      tags,
    },
  },
};

type Row = Record<string, unknown>;
type Parsed<T> = { ok: T } | { error: string };

// The reason as OpenSSL words it is not reproducible; Kong's prefix and function name are.
function parseCert(pem: string): Parsed<X509Certificate> {
  try {
    return { ok: new X509Certificate(pem) };
  } catch (err) {
    return { error: `invalid certificate: x509.new: ${reason(err)}` };
  }
}

function parseKey(pem: string): Parsed<KeyObject> {
  try {
    return { ok: createPrivateKey(pem) };
  } catch (err) {
    return { error: `invalid key: pkey.new:load_key: ${reason(err)}` };
  }
}

// Never the input: a key's text must not reach an error message (or a log line built from one).
const reason = (err: unknown): string => ((err as { code?: string }).code ?? 'could not parse the PEM data').toLowerCase().replace(/^err_/, '').replace(/_/g, ' ');

const spki = (k: KeyObject): string => k.export({ type: 'spki', format: 'der' }).toString('base64');
const keyMatches = (cert: X509Certificate, key: KeyObject): boolean => spki(cert.publicKey) === spki(createPublicKey(key));
const given = (v: unknown): v is string => typeof v === 'string';

/**
 * Field errors (PEM parsing), then, when the fields are sound, Kong's entity checks in Kong's
 * order; for ca_certificates also the computed `cert_digest`. Mutates `row` for the digest only.
 */
export function tlsChecks(entity: string, row: Row, errors: Record<string, unknown>): string[] {
  if (entity === 'certificates') return certificateChecks(row, errors);
  if (entity === 'ca_certificates') return caCertificateChecks(row, errors);
  return [];
}

function certificateChecks(row: Row, errors: Record<string, unknown>): string[] {
  const certs: Record<string, X509Certificate> = {};
  const keys: Record<string, KeyObject> = {};
  for (const f of ['cert', 'cert_alt'] as const) {
    if (!given(row[f]) || errors[f] !== undefined) continue;
    const p = parseCert(row[f] as string);
    if ('error' in p) errors[f] = p.error;
    else certs[f] = p.ok;
  }
  for (const f of ['key', 'key_alt'] as const) {
    if (!given(row[f]) || errors[f] !== undefined) continue;
    const p = parseKey(row[f] as string);
    if ('error' in p) errors[f] = p.error;
    else keys[f] = p.ok;
  }
  if (Object.keys(errors).length > 0) return [];
  const out: string[] = [];
  if (given(row.cert_alt) !== given(row.key_alt)) return ["all or none of these fields must be set: 'cert_alt', 'key_alt'"];
  if (certs.cert && keys.key && !keyMatches(certs.cert, keys.key)) out.push('certificate does not match key');
  if (certs.cert_alt && keys.key_alt && !keyMatches(certs.cert_alt, keys.key_alt)) out.push('alternative certificate does not match key');
  if (certs.cert && certs.cert_alt && certs.cert.publicKey.asymmetricKeyType === certs.cert_alt.publicKey.asymmetricKeyType) {
    out.push('certificate and alternative certificate need to have different type (e.g. RSA and ECDSA), the provided certificates were both of the same type');
  }
  return out;
}

const CERT_TAG = '-----BEGIN CERTIFICATE-----';

function caCertificateChecks(row: Row, errors: Record<string, unknown>): string[] {
  if (!given(row.cert) || errors.cert !== undefined) return [];
  const p = parseCert(row.cert);
  if ('error' in p) {
    errors.cert = p.error;
    return [];
  }
  // Kong's transformation: the digest is always computed from cert, whatever was given.
  row.cert_digest = createHash('sha256').update(p.ok.raw).digest('hex');
  if (Object.keys(errors).length > 0) return [];
  const first = row.cert.indexOf(CERT_TAG);
  if (first >= 0 && row.cert.indexOf(CERT_TAG, first + CERT_TAG.length + 1) >= 0) return ['please submit only one certificate at a time'];
  if (new Date(p.ok.validTo).getTime() < Date.now()) return ['certificate expired, "Not After" time is in the past'];
  if (!p.ok.ca) return ['certificate does not appear to be a CA because it is missing the "CA" basic constraint'];
  return [];
}
