// How a service's connections to its upstream use TLS, as Kong's runloop/upstream_ssl.lua sets it:
// the service's client_certificate (else its upstream's) for upstream mTLS, tls_verify to verify
// the upstream's certificate (and its name, as nginx's proxy_ssl_name $upstream_host does),
// tls_verify_depth (nginx's proxy_ssl_verify_depth, 1 unless set) and ca_certificates as the only
// trust store (unset: the system's, Kong's lua_ssl_trusted_certificate = system).
import { createHash } from 'node:crypto';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { ConfigTable, ServiceRow } from '../config.js';
import { list, refId } from '../config.js';

export interface UpstreamTls {
  /** Identifies these settings: services with the same ones share connection pools. */
  id: string;
  verify: boolean;
  depth: number;
  ca?: string[];
  cert?: string;
  key?: string;
  /**
   * Why requests cannot be sent safely (a certificate the service names is not in the config):
   * they answer 502 rather than go out without the client certificate or the trust store asked for.
   */
  broken?: string;
}

const NGINX_VERIFY_DEPTH = 1;

type Rows = Record<string, unknown>[];
const rows = (table: ConfigTable, entity: string): Rows => list(table[entity] as Rows | null | undefined);

interface Pem {
  pem: string;
  key?: string;
  /** Of the content, made when a service first uses it: a pool is for these exact PEMs. */
  digest?: string;
}

/** Certificates and CA certificates of a config, by id, for every service compiled from it. */
export function tlsMaterial(table: ConfigTable): { certs: Map<string, Pem>; cas: Map<string, Pem> } {
  const certs = new Map<string, Pem>();
  for (const c of rows(table, 'certificates')) {
    if (typeof c.id === 'string' && typeof c.cert === 'string' && typeof c.key === 'string') certs.set(c.id, { pem: c.cert, key: c.key });
  }
  const cas = new Map<string, Pem>();
  for (const c of rows(table, 'ca_certificates')) if (typeof c.id === 'string' && typeof c.cert === 'string') cas.set(c.id, { pem: c.cert });
  return { certs, cas };
}

// A certificate or CA rotated in place keeps its id: the pool key names its content too, or the
// pool (and its keep-alive connections) would go on with the old client certificate or trust store.
const digestOf = (p: Pem): string => (p.digest ??= createHash('sha256').update(p.pem).update('\0').update(p.key ?? '').digest('base64').slice(0, 22));

/** Service protocols that speak TLS to the upstream. */
export const TLS_PROTOCOLS: ReadonlySet<string> = new Set(['https', 'wss', 'grpcs']);

/** null for a plain-HTTP service: nothing about TLS applies. */
export function upstreamTls(s: ServiceRow, upstreamCert: unknown, material: ReturnType<typeof tlsMaterial>): UpstreamTls | null {
  if (!TLS_PROTOCOLS.has(String(s.protocol))) return null;
  const verify = s.tls_verify === true;
  const depth = typeof s.tls_verify_depth === 'number' ? s.tls_verify_depth : NGINX_VERIFY_DEPTH;
  const tls: UpstreamTls = { id: '', verify, depth };
  const problems: string[] = [];
  // The service's certificate wins; its upstream's is the fallback (fallback_upstream_client_cert).
  const certId = refId(s.client_certificate as never) ?? refId(upstreamCert as never);
  let certPart = '';
  if (certId) {
    const pair = material.certs.get(certId);
    if (pair) {
      Object.assign(tls, { cert: pair.pem, key: pair.key });
      certPart = `${certId}:${digestOf(pair)}`;
    } else problems.push(`client certificate ${certId} is not in the configuration`);
  }
  const caIds = Array.isArray(s.ca_certificates) ? (s.ca_certificates as unknown[]).filter((x): x is string => typeof x === 'string') : [];
  let caPart = '';
  if (caIds.length > 0) {
    const pems = caIds.map((id) => material.cas.get(id));
    const missing = caIds.filter((_, i) => pems[i] === undefined);
    if (missing.length) problems.push(`CA certificate ${missing.join(', ')} does not exist`);
    else {
      tls.ca = pems.map((p) => p!.pem);
      caPart = caIds.map((id, i) => `${id}:${digestOf(pems[i]!)}`).sort().join(',');
    }
  }
  if (problems.length) tls.broken = problems.join('; ');
  tls.id = `${verify ? 'v' : ''}${depth}|${certPart}|${caPart}`;
  return tls;
}

/** Certificates between the leaf and the trust anchor, as OpenSSL counts them against the depth. */
function intermediates(leaf: PeerCertificate): number {
  let n = 0;
  let c = leaf as PeerCertificate & { issuerCertificate?: PeerCertificate };
  const seen = new Set<string>([c.fingerprint256]);
  while (c.issuerCertificate && !seen.has(c.issuerCertificate.fingerprint256)) {
    c = c.issuerCertificate as typeof c;
    seen.add(c.fingerprint256);
    n++;
  }
  // The last certificate reached is the anchor (or the top of what was sent), not an intermediate.
  return Math.max(0, n - 1);
}

/** Options for the TLS connections of a pool with these settings. */
export function connectOptions(tls: UpstreamTls | null): Record<string, unknown> {
  if (!tls) return { rejectUnauthorized: false };
  const out: Record<string, unknown> = { rejectUnauthorized: tls.verify };
  if (tls.cert && tls.key) Object.assign(out, { cert: tls.cert, key: tls.key });
  if (tls.verify) {
    if (tls.ca) out.ca = tls.ca;
    out.checkServerIdentity = (host: string, cert: PeerCertificate) => {
      if (intermediates(cert) > tls.depth) {
        return Object.assign(new Error(`certificate chain too long (more than ${tls.depth} intermediate certificates; tls_verify_depth)`), { code: 'CERT_CHAIN_TOO_LONG' });
      }
      return checkServerIdentity(host, cert);
    };
  }
  return out;
}

// Node's names for a certificate that did not verify, and ours for settings that cannot be applied.
const TLS_FAILURES = new Set([
  'UPSTREAM_TLS_UNAVAILABLE', 'CERT_CHAIN_TOO_LONG', 'ERR_TLS_CERT_ALTNAME_INVALID', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'INVALID_CA', 'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE',
]);

export const isUpstreamTlsFailure = (code: string): boolean => TLS_FAILURES.has(code);
