// Builds certification paths from a leaf to a trust anchor, linking by name and signature only;
// the rules (CA, pathlen, EKU …) are judged afterwards so every problem can be reported.
import { safeVerify, type Cert } from '../cert.js';

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

export function buildPaths(leaf: Cert, pool: readonly Cert[], anchors: readonly Cert[]): BuiltPath[] {
  const anchorSet = new Set(anchors.map((a) => a.sha256));
  const candidates = dedupe([...anchors, ...pool]);
  const results: BuiltPath[] = [];

  if (anchorSet.has(leaf.sha256)) {
    return [{ certs: [leaf], anchored: leaf.selfSigned, endsAtNonRootAnchor: !leaf.selfSigned, badSignatures: [] }];
  }

  const walk = (path: Cert[], bad: { index: number; candidate: Cert }[]): void => {
    if (results.length > 64) return;
    const cur = path[path.length - 1]!;
    const isAnchor = anchorSet.has(cur.sha256) && path.length > 1;
    if (isAnchor && cur.selfSigned) {
      results.push({ certs: path, anchored: true, endsAtNonRootAnchor: false, badSignatures: bad });
      return;
    }
    // An intermediate in --ca is no anchor to Kong (no partial chains); remember the path that
    // stops there so the problem can be named, and keep looking for a root above it.
    if (isAnchor) results.push({ certs: path, anchored: false, endsAtNonRootAnchor: true, badSignatures: bad });
    let extended = false;
    if (!cur.selfSigned && path.length < MAX_PATH) {
      for (const c of candidates) {
        if (path.some((p) => p.sha256 === c.sha256)) continue;
        if (!issuedBy(cur, c)) continue;
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
