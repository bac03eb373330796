// Revocation check of a data plane certificate, as Kong's cluster_ocsp does: ask the responder in
// the leaf's AIA extension. Kong's split is kept: an answer that does not validate counts as
// "revoked"; only failing to get an answer at all is a "check failed" (which `optional` tolerates).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { verify as cryptoVerify } from 'node:crypto';
import type { Cert } from '../pki/cert.js';
import { parseCertificate } from '../pki/cert.js';
import { certId, children, ocspRequest, parseOcspResponse, readTlv, SIG_DIGEST } from './ocsp-der.js';

export type OcspVerdict = { status: 'good' } | { status: 'revoked'; message: string } | { status: 'error'; message: string };

export interface OcspChecker {
  check(leaf: Cert, issuer: Cert): Promise<OcspVerdict>;
}

const OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';
const MAX_BODY = 1024 * 1024;
const CLOCK_SKEW_MS = 5 * 60_000;

export function ocspUrlOf(cert: Cert): string | null {
  const aia = new x509.X509Certificate(new Uint8Array(cert.der)).getExtension(x509.AuthorityInfoAccessExtension);
  const url = aia?.ocsp.find((n) => n.type === 'url');
  return url ? url.value : null;
}

/** Definite answers (good, revoked) are cached for `cacheMs`; failures are asked again next time. */
export function createOcspChecker(o: { timeoutMs: number; cacheMs: number; now?: () => number }): OcspChecker {
  const now = o.now ?? Date.now;
  const cache = new Map<string, { verdict: OcspVerdict; until: number }>();
  return {
    async check(leaf, issuer) {
      const hit = cache.get(leaf.sha256);
      if (hit && hit.until > now()) return hit.verdict;
      const verdict = await checkOnce(leaf, issuer, o.timeoutMs, now());
      if (verdict.status !== 'error') {
        cache.set(leaf.sha256, { verdict, until: now() + o.cacheMs });
        if (cache.size > 10_000) cache.delete(cache.keys().next().value!);
      }
      return verdict;
    },
  };
}

async function checkOnce(leaf: Cert, issuer: Cert, timeoutMs: number, at: number): Promise<OcspVerdict> {
  let url: string | null;
  try {
    url = ocspUrlOf(leaf);
  } catch {
    url = null;
  }
  if (!url) return { status: 'error', message: 'OCSP responder endpoint can not be determined, the client certificate may be missing the required extensions' };
  let id: Buffer;
  try {
    id = certId(leaf.der, issuer.der);
  } catch (err) {
    return { status: 'error', message: `failed to create OCSP request: ${(err as Error).message}` };
  }
  let res: { status: number; body: Buffer };
  try {
    res = await post(url, ocspRequest(id), timeoutMs);
  } catch (err) {
    return { status: 'error', message: `failed to send request to OCSP responder: ${(err as Error).message}` };
  }
  if (res.status !== 200) return { status: 'error', message: `OCSP responder returns bad HTTP status code: ${res.status}` };
  if (res.body.length === 0) return { status: 'error', message: 'unexpected response from OCSP responder: empty body' };
  const problem = validate(res.body, id, leaf, issuer, at);
  return problem ? { status: 'revoked', message: `failed to validate OCSP response: ${problem}` } : { status: 'good' };
}

/** Null when the response says "good" for this certificate and is signed by someone entitled to. */
function validate(body: Buffer, id: Buffer, leaf: Cert, issuer: Cert, at: number): string | null {
  let r: ReturnType<typeof parseOcspResponse>;
  try {
    r = parseOcspResponse(body);
  } catch (err) {
    return `unreadable OCSP response: ${(err as Error).message}`;
  }
  if (!signedByIssuerOrDelegate(r, issuer)) return 'the OCSP response is not signed by the issuer or a responder it authorised';
  // CertID: SEQ { alg, nameHash, keyHash, serial }.
  const serial = children(readTlv(id))[3]!.raw;
  const single = r.single.find((s) => s.certId.equals(id)) ?? r.single.find((s) => s.serial.equals(serial));
  if (!single) return `the OCSP response does not cover certificate serial ${leaf.serial}`;
  if (single.thisUpdate.getTime() > at + CLOCK_SKEW_MS) return 'the OCSP response is not yet valid';
  if (single.nextUpdate && single.nextUpdate.getTime() < at - CLOCK_SKEW_MS) return 'the OCSP response has expired';
  if (single.status !== 'good') return `certificate status "${single.status}" in the OCSP response`;
  return null;
}

function signedByIssuerOrDelegate(r: ReturnType<typeof parseOcspResponse>, issuer: Cert): boolean {
  if (!(r.sigAlg in SIG_DIGEST)) return false;
  const digest = SIG_DIGEST[r.sigAlg] ?? null;
  const ok = (key: Cert['node']['publicKey']) => {
    try {
      return cryptoVerify(digest, r.tbs, { key, dsaEncoding: 'der' }, r.signature);
    } catch {
      return false;
    }
  };
  if (ok(issuer.node.publicKey)) return true;
  for (const der of r.certs) {
    try {
      const c = parseCertificate(der);
      if (c.eku?.includes(OCSP_SIGNING) && c.node.verify(issuer.node.publicKey) && ok(c.node.publicKey)) return true;
    } catch {
      // an unreadable extra certificate simply does not authorise anything
    }
  }
  return false;
}

function post(url: string, body: Buffer, timeoutMs: number): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(u, { method: 'POST', headers: { 'content-type': 'application/ocsp-request', 'content-length': body.length }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) req.destroy(new Error('response larger than 1 MiB'));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}
