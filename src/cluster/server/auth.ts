// Who may connect: Kong's client-certificate rules for the cluster listener (clustering/tls.lua plus
// what nginx's ssl_verify_client does in pki mode), judged on the chain the DP presented.
import type { TLSSocket } from 'node:tls';
import { parseCertificate, type Cert } from '../../pki/cert.js';
import { verifyChain } from '../../pki/verify/index.js';
import type { OcspChecker } from '../ocsp.js';

export interface AuthConfig {
  mode: 'shared' | 'pki';
  /** shared: SHA-256 of our own cluster_cert leaf. */
  ownSha256: string;
  /** pki: cluster_ca_cert. */
  anchors: Cert[];
  maxIntermediates: number;
  ocsp: 'on' | 'off' | 'optional';
  ocspChecker?: OcspChecker;
}

export type AuthResult =
  | { ok: true; leaf: Cert; /** Set when optional OCSP could not answer and the DP was let in. */ warning?: string }
  | { ok: false; reason: string; message: string };

/** The certificates the peer sent, leaf first, as DER (Node links them through issuerCertificate). */
export function presentedChain(socket: TLSSocket): Buffer[] {
  const out: Buffer[] = [];
  const seen = new Set<string>();
  let c = socket.getPeerCertificate(true) as (ReturnType<TLSSocket['getPeerCertificate']> & { issuerCertificate?: unknown }) | undefined;
  while (c && c.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    out.push(c.raw);
    c = c.issuerCertificate as typeof c;
  }
  return out;
}

export async function authenticate(ders: Buffer[], cfg: AuthConfig): Promise<AuthResult> {
  if (ders.length === 0) {
    return { ok: false, reason: 'no-client-cert', message: 'data plane failed to present client certificate during handshake' };
  }
  let certs: Cert[];
  try {
    certs = ders.map((d) => parseCertificate(d));
  } catch (err) {
    return { ok: false, reason: 'bad-client-cert', message: `unable to load data plane client certificate during handshake: ${(err as Error).message}` };
  }
  const leaf = certs[0]!;
  if (cfg.mode === 'shared') {
    // Kong's shared mode pins the exact certificate and checks nothing else (no dates, no OCSP).
    if (leaf.sha256 !== cfg.ownSha256) {
      return {
        ok: false,
        reason: 'digest-mismatch',
        message: 'data plane presented incorrect client certificate during handshake (digest does not match the control plane certificate)',
      };
    }
    return { ok: true, leaf };
  }

  const anchorDigests = new Set(cfg.anchors.map((a) => a.sha256));
  const presented = [leaf, ...certs.slice(1).filter((c) => !anchorDigests.has(c.sha256))];
  const report = verifyChain({ presented, anchors: cfg.anchors }, { mode: 'pki', role: 'dp', maxIntermediates: cfg.maxIntermediates });
  if (!report.valid) {
    const first = report.problems[0]!;
    return {
      ok: false,
      reason: first.code,
      message: `data plane presented a client certificate that does not verify against cluster_ca_cert (${first.code}): ${first.message}`,
    };
  }
  if (cfg.ocsp === 'off' || !cfg.ocspChecker) return { ok: true, leaf };

  const issuer = report.certs[1];
  const verdict = issuer
    ? await cfg.ocspChecker.check(leaf, issuer)
    : { status: 'error' as const, message: 'failed to create OCSP request: the issuer certificate is not in the chain' };
  if (verdict.status === 'good') return { ok: true, leaf };
  if (verdict.status === 'revoked') {
    return { ok: false, reason: 'revoked', message: `data plane client certificate was revoked: ${verdict.message}` };
  }
  const message = `data plane client certificate revocation check failed: ${verdict.message}`;
  if (cfg.ocsp === 'on') return { ok: false, reason: 'ocsp-failed', message };
  return { ok: true, leaf, warning: message };
}
