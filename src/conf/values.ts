// Certificate and key values as Kong accepts them: a file path, inline PEM, or base64 of a PEM.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { InputError, errorMessage } from '../errors.js';

// Kong's search order for `lua_ssl_trusted_certificate = system` (kong/tools/system.lua).
export const SYSTEM_BUNDLES: readonly string[] = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/pki/tls/cacert.pem',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/cert.pem',
];

export function systemBundle(exists: (p: string) => boolean = existsSync): string | null {
  return SYSTEM_BUNDLES.find((p) => exists(p)) ?? null;
}

/** A number as Kong's loader accepts one (decimal, optional sign, fraction and exponent), else null. */
export function kongNumber(v: string): number | null {
  const n = Number(v);
  return /^\s*-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(v) && Number.isFinite(n) ? n : null;
}

export type ValueSource = 'path' | 'inline' | 'base64';

/** What a certificate-ish value holds: its PEM text and where it came from. */
export function resolvePemValue(value: string): { pem: string; source: ValueSource; path?: string } | { error: string } {
  const v = value.trim();
  if (v.startsWith('-----BEGIN')) return { pem: v.replace(/\\n/g, '\n'), source: 'inline' };
  if (existsSync(v)) {
    try {
      if (statSync(v).isDirectory()) return { error: 'is a directory' };
      return { pem: readFileSync(v, 'utf8'), source: 'path', path: v };
    } catch (err) {
      return { error: (err as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : errorMessage(err) };
    }
  }
  if (/^[A-Za-z0-9+/=\s]+$/.test(v) && v.length >= 16) {
    const decoded = Buffer.from(v.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (decoded.includes('-----BEGIN')) return { pem: decoded, source: 'base64' };
  }
  // Anything shaped like a file name is reported as the missing file it most likely is.
  return { error: !/\s/.test(v) && (v.includes('/') || v.includes('.') || v.length < 64) ? 'no such file' : 'not a file path, PEM content or base64-encoded PEM' };
}

/**
 * How a certificate or key value is named in a message: a path as written (so the operator sees
 * which file), never inline or base64 material (a key given inline is the secret itself).
 */
export function shownValue(value: string, source?: ValueSource): string {
  const v = value.trim();
  if (source === 'inline' || v.startsWith('-----BEGIN') || v.includes('\n')) return '(inline PEM value)';
  if (source === 'base64' || (/^[A-Za-z0-9+/=\s]+$/.test(v) && v.length >= 64)) return '(base64 value)';
  return v.length > 200 ? `${v.slice(0, 60)}…` : v;
}

function read(key: string, value: string | null | undefined, want: 'certificate' | 'key'): string {
  if (!value) throw new InputError(`${key} is not set`, { hint: `set ${key} in kong.conf, KONG_${key.toUpperCase()} or --${key.replace(/_/g, '-')}` });
  const r = resolvePemValue(value);
  const shown = shownValue(value, 'source' in r ? r.source : undefined);
  if ('error' in r) throw new InputError(`${key}: failed loading ${want} from ${shown}: ${r.error}`);
  const label = want === 'certificate' ? /-----BEGIN CERTIFICATE-----/ : /-----BEGIN (ENCRYPTED |EC |RSA )?PRIVATE KEY-----/;
  if (!label.test(r.pem)) throw new InputError(`${key}: failed loading ${want} from ${shown}: no PEM ${want} found`);
  return r.pem;
}

export const readCertificateValue = (key: string, value: string | null | undefined): string => read(key, value, 'certificate');
export const readKeyValue = (key: string, value: string | null | undefined): string => read(key, value, 'key');
