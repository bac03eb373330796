// Which certificate an `ssl` proxy listener presents (Kong: runloop/certificate.lua
// find_certificate): the SNI's exact name, then `*.rest` (first label replaced), then `first.*`
// (last label replaced), then the `*` SNI, then the listener's default (ssl_cert, or the one
// generated under the prefix). One SecureContext per certificate, built when a config is swapped
// in and reused by later configs while the certificate is unchanged, so a handshake only looks up.
// A certificate with cert_alt carries both pairs in one context: OpenSSL presents ECDSA or RSA
// by what the client offers.
import { createHash } from 'node:crypto';
import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { ConfigTable } from './config.js';
import { list, refId } from './config.js';

interface CertRow { id: string; cert?: string | null; key?: string | null; cert_alt?: string | null; key_alt?: string | null }
interface SniRow { name?: string | null; certificate?: string | { id: string } | null }

export interface CertIndex {
  /** The context for this server name; the default one when nothing matches. */
  pick(servername: string): SecureContext;
  /** Contexts by content digest, for the next build to reuse. */
  readonly built: ReadonlyMap<string, SecureContext>;
  /** Certificates that could not be loaded (their SNIs get the default), by id. */
  readonly failed: { id: string; error: string }[];
}

export const MIN_TLS = 'TLSv1.2' as const;

function digest(c: CertRow): string {
  const h = createHash('sha256');
  for (const part of [c.cert, c.key, c.cert_alt, c.key_alt]) h.update(part ?? '').update('\0');
  return h.digest('base64');
}

function context(c: CertRow): SecureContext {
  const alt = typeof c.cert_alt === 'string' && typeof c.key_alt === 'string';
  return createSecureContext({
    cert: alt ? [c.cert!, c.cert_alt!] : c.cert!,
    key: alt ? [c.key!, c.key_alt!] : c.key!,
    minVersion: MIN_TLS,
  });
}

export function buildCertIndex(table: ConfigTable | null, fallback: SecureContext, previous?: CertIndex): CertIndex {
  const built = new Map<string, SecureContext>();
  const byId = new Map<string, SecureContext>();
  const failed: { id: string; error: string }[] = [];
  for (const c of list(table?.certificates as CertRow[] | undefined)) {
    if (typeof c.cert !== 'string' || typeof c.key !== 'string') continue;
    const d = digest(c);
    let ctx = built.get(d) ?? previous?.built.get(d);
    if (!ctx) {
      try {
        ctx = context(c);
      } catch (err) {
        // OpenSSL's reason only: the message never carries the PEM text.
        failed.push({ id: c.id, error: String((err as { code?: string }).code ?? 'could not load the certificate or key') });
        continue;
      }
    }
    built.set(d, ctx);
    byId.set(c.id, ctx);
  }
  const byName = new Map<string, SecureContext>();
  for (const s of list(table?.snis as SniRow[] | undefined)) {
    const ctx = byId.get(refId(s.certificate) ?? '');
    if (ctx && typeof s.name === 'string') byName.set(s.name.toLowerCase(), ctx);
  }
  const pick = (servername: string): SecureContext => {
    // Kong: a client without SNI gets the default certificate, not the `*` SNI's.
    if (byName.size === 0 || servername === '') return fallback;
    const sni = servername.toLowerCase();
    const hit = byName.get(sni) ?? wild(byName, sni) ?? byName.get('*');
    return hit ?? fallback;
  };
  return { pick, built, failed };
}

function wild(byName: Map<string, SecureContext>, sni: string): SecureContext | undefined {
  if (sni.includes('*')) return undefined;
  const first = sni.indexOf('.');
  // `*.b.c` only when at least two labels follow the first, as Kong's pattern requires.
  if (first > 0 && sni.indexOf('.', first + 1) > first + 1) {
    const hit = byName.get(`*${sni.slice(first)}`);
    if (hit) return hit;
  }
  const last = sni.lastIndexOf('.');
  return last > 0 && last < sni.length - 1 ? byName.get(`${sni.slice(0, last + 1)}*`) : undefined;
}

/** The server name a request's TLS connection was opened with; '' when the client sent none. */
export function tlsServername(req: IncomingMessage): string {
  const s = (req.socket as TLSSocket | undefined)?.servername;
  return typeof s === 'string' ? s : '';
}
