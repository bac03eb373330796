// The problem and warning codes of verify-chain, as the contract names them. Never reuse a retired code.
export const PROBLEM_CODES = [
  'untrusted',
  'depth',
  'ca',
  'pathlen',
  'ca-not-root',
  'eku',
  'hostname',
  'expired',
  'not-yet-valid',
  'weak-key',
  'pinned',
  'key-mismatch',
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

export const WARNING_CODES = ['expires-soon', 'extra-certificate', 'sha1-signature', 'no-eku'] as const;
export type WarningCode = (typeof WARNING_CODES)[number];

export interface Problem {
  code: ProblemCode;
  /** Index into the path (0 = leaf), or null when the problem is not about one certificate. */
  certificate: number | null;
  message: string;
  /** How to fix it, one line. */
  hint?: string;
}

export interface Warning {
  code: WarningCode;
  certificate: number | null;
  message: string;
}

/** One line per code, for the man page. */
export const PROBLEM_MEANINGS: Record<ProblemCode, string> = {
  untrusted: 'no path to a trust anchor: an issuer is missing or unknown, or a signature does not verify',
  depth: 'more intermediates between leaf and anchor than --max-intermediates',
  ca: 'an issuer is not a CA (basicConstraints) or may not sign certificates (keyCertSign)',
  pathlen: "an issuer's pathLenConstraint is exceeded",
  'ca-not-root': 'pki: the anchor given is an intermediate, not a self-signed root',
  eku: 'the leaf lacks the extended key usage of its role (cp: serverAuth, dp: clientAuth)',
  hostname: 'role cp: the server name is in no DNS SAN (nor the CN when there are no SANs)',
  expired: 'a certificate of the path is past its notAfter',
  'not-yet-valid': 'a certificate of the path is before its notBefore',
  'weak-key': 'RSA under 2048 bits, or an EC curve other than P-256, P-384, P-521',
  pinned: 'shared: the certificate is not the very one pinned (SHA-256 of the DER)',
  'key-mismatch': 'the private key does not belong to the leaf',
};

export const WARNING_MEANINGS: Record<WarningCode, string> = {
  'expires-soon': 'the leaf expires within 30 days',
  'extra-certificate': 'a certificate in the bundle is not part of the path',
  'sha1-signature': 'a certificate of the path is signed with SHA-1',
  'no-eku': 'the leaf has no extended key usage extension (any purpose)',
};
