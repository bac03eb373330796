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
