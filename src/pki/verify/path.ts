// Builds certification paths from a leaf to a trust anchor, linking by name and signature only;
// the rules (CA, pathlen, EKU …) are judged afterwards so every problem can be reported.
import { safeVerify, type Cert } from '../cert.js';
import type { AnchorIndex } from './anchors.js';

export interface BuiltPath {
  certs: Cert[];
  /** The last certificate is a self-signed anchor from --ca (or the leaf itself is pinned there). */
  anchored: boolean;
  /** The last certificate is in --ca but not a self-signed root. */
  endsAtNonRootAnchor: boolean;
  /** Issuer candidates whose name matched but whose signature did not verify, by path index. */
  badSignatures: { index: number; candidate: Cert }[];
}

const MAX_PATH = 12;

// Name match only: OpenSSL's checkIssued also refuses issuers without keyCertSign or with another
// key identifier, which would hide the `ca` problem or a wrong-key issuer behind a bare `untrusted`.
// The signature check below decides.
function issuedBy(child: Cert, parent: Cert): boolean {
  return child.issuer === parent.subject;
}

export function buildPaths(leaf: Cert, pool: readonly Cert[], anchors: AnchorIndex): BuiltPath[] {
  const isAnchorCert = (c: Cert) => anchors.contains(c);
  // Anchors come from the index by name (never a scan of the bundle); the presented pool is small.
  const issuersOf = (c: Cert) => dedupe([...anchors.issuersOf(c), ...pool.filter((p) => issuedBy(c, p))]);
  const results: BuiltPath[] = [];

  if (isAnchorCert(leaf)) {
    return [{ certs: [leaf], anchored: leaf.selfSigned, endsAtNonRootAnchor: !leaf.selfSigned, badSignatures: [] }];
  }

  const walk = (path: Cert[], bad: { index: number; candidate: Cert }[]): void => {
    if (results.length > 64) return;
    const cur = path[path.length - 1]!;
    const isAnchor = path.length > 1 && isAnchorCert(cur);
    if (isAnchor && cur.selfSigned) {
      results.push({ certs: path, anchored: true, endsAtNonRootAnchor: false, badSignatures: bad });
      return;
    }
    // An intermediate in --ca is no anchor to Kong (no partial chains); remember the path that
    // stops there so the problem can be named, and keep looking for a root above it.
    if (isAnchor) results.push({ certs: path, anchored: false, endsAtNonRootAnchor: true, badSignatures: bad });
    let extended = false;
    if (!cur.selfSigned && path.length < MAX_PATH) {
      for (const c of issuersOf(cur)) {
        if (path.some((p) => p.sha256 === c.sha256)) continue;
        if (!safeVerify(cur.node, c.node.publicKey)) {
          bad.push({ index: path.length - 1, candidate: c });
          continue;
        }
        extended = true;
        walk([...path, c], [...bad]);
      }
    }
    if (!extended && !isAnchor) {
      results.push({ certs: path, anchored: false, endsAtNonRootAnchor: false, badSignatures: bad });
    }
  };
  walk([leaf], []);
  return results;
}

function dedupe(certs: Cert[]): Cert[] {
  const seen = new Set<string>();
  return certs.filter((c) => (seen.has(c.sha256) ? false : (seen.add(c.sha256), true)));
}
