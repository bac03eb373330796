// verifyChain: judge a presented certificate the way the other side of a hybrid connection will.
import type { KeyObject } from 'node:crypto';
import type { Cert } from '../cert.js';
import type { Role } from '../profiles.js';
import { buildPaths, type BuiltPath } from './path.js';
import { AnchorIndex } from './anchors.js';
export { AnchorIndex } from './anchors.js';
import { DAEMON_NAMES, PKI_CHECKS, SHARED_CHECKS, type CheckContext, type InputNames } from './checks.js';
export type { InputNames } from './checks.js';
import type { Problem, Warning } from './codes.js';

export type { Problem, Warning, ProblemCode, WarningCode } from './codes.js';
export { PROBLEM_CODES, WARNING_CODES, PROBLEM_MEANINGS, WARNING_MEANINGS } from './codes.js';

export const DEFAULT_MAX_INTERMEDIATES = 3;
const EXPIRES_SOON_DAYS = 30;

export interface VerifyInput {
  /** The presented bundle: leaf first, then intermediates in any order. */
  presented: Cert[];
  /** More intermediates (--chain). */
  chain?: Cert[];
  /** pki: trust anchors (cluster_ca_cert); shared: the pinned certificate(s). A large bundle is best given as an index. */
  anchors: Cert[] | AnchorIndex;
  key?: KeyObject;
}

export interface VerifyOptions {
  mode?: 'pki' | 'shared';
  role?: Role;
  serverName?: string;
  maxIntermediates?: number;
  at?: Date;
  /** How messages name the inputs; kong.conf wording unless given (verify-chain passes its flags). */
  names?: InputNames;
}

export interface PathEntry {
  subject: string;
  issuer: string;
  notAfter: string;
  sha256: string;
  isCA: boolean;
}

export interface VerifyReport {
  valid: boolean;
  mode: 'pki' | 'shared';
  role: Role;
  path: PathEntry[];
  problems: Problem[];
  warnings: Warning[];
  /** The certificates of `path`, for renderers; not part of the JSON document. */
  certs: Cert[];
  anchored: boolean;
}

export function verifyChain(input: VerifyInput, opts: VerifyOptions = {}): VerifyReport {
  const mode = opts.mode ?? 'pki';
  const role = opts.role ?? 'dp';
  const at = opts.at ?? new Date();
  const leaf = input.presented[0];
  if (!leaf) throw new Error('verifyChain: no certificate presented');
  const base = { role, mode, serverName: opts.serverName, maxIntermediates: opts.maxIntermediates ?? DEFAULT_MAX_INTERMEDIATES, at, key: input.key, names: opts.names ?? DAEMON_NAMES };

  let best: { path: BuiltPath; problems: Problem[] };
  if (mode === 'shared') {
    const anchors = input.anchors instanceof AnchorIndex ? input.anchors : AnchorIndex.of(input.anchors);
    const pinned = anchors.contains(leaf);
    const firstAnchor = anchors.first();
    const path: BuiltPath = { certs: [leaf], anchored: pinned, endsAtNonRootAnchor: false, badSignatures: [] };
    const problems: Problem[] = pinned ? [] : [{
      code: 'pinned', certificate: 0,
      message: `the presented certificate (sha256 ${leaf.sha256.slice(0, 16)}…) is not the pinned cluster certificate${firstAnchor ? ` (sha256 ${firstAnchor.sha256.slice(0, 16)}…)` : ''}`,
      hint: 'in shared mode both sides must use the very same cluster_cert file: copy the CP\'s cluster.crt and cluster.key to the DP',
    }];
    best = { path, problems: [...problems, ...run(SHARED_CHECKS, { ...base, path })] };
  } else {
    const pool = [...input.presented.slice(1), ...(input.chain ?? [])];
    const anchors = input.anchors instanceof AnchorIndex ? input.anchors : AnchorIndex.of(input.anchors);
    const candidates = buildPaths(leaf, pool, anchors).map((path) => ({ path, problems: run(PKI_CHECKS, { ...base, path }) }));
    best = candidates.sort(rank)[0]!;
  }

  const certs = best.path.certs;
  return {
    valid: best.problems.length === 0,
    mode,
    role,
    path: certs.map(entry),
    problems: best.problems,
    warnings: warningsFor(certs, input, at, mode),
    certs,
    anchored: best.path.anchored,
  };
}

function run(checks: readonly ((c: CheckContext) => Problem[])[], ctx: CheckContext): Problem[] {
  return checks.flatMap((check) => check(ctx));
}

// Anchored paths first, then paths stopping at a non-root anchor, then fewest problems, longest.
function rank(a: { path: BuiltPath; problems: Problem[] }, b: { path: BuiltPath; problems: Problem[] }): number {
  const score = (x: BuiltPath) => (x.anchored ? 2 : x.endsAtNonRootAnchor ? 1 : 0);
  return score(b.path) - score(a.path) || a.problems.length - b.problems.length || b.path.certs.length - a.path.certs.length;
}

function entry(c: Cert): PathEntry {
  return { subject: c.subject, issuer: c.issuer, notAfter: c.notAfter.toISOString(), sha256: c.sha256, isCA: c.isCA === true };
}

function warningsFor(path: Cert[], input: VerifyInput, at: Date, mode: 'pki' | 'shared'): Warning[] {
  const warnings: Warning[] = [];
  const leaf = path[0]!;
  const daysLeft = (leaf.notAfter.getTime() - at.getTime()) / 86_400_000;
  if (daysLeft >= 0 && daysLeft < EXPIRES_SOON_DAYS) {
    warnings.push({ code: 'expires-soon', certificate: 0, message: `the leaf certificate expires in ${Math.max(0, Math.floor(daysLeft))} day(s), on ${leaf.notAfter.toISOString()}` });
  }
  const inPath = new Set(path.map((c) => c.sha256));
  for (const c of [...input.presented.slice(1), ...(input.chain ?? [])]) {
    if (!inPath.has(c.sha256)) {
      warnings.push({ code: 'extra-certificate', certificate: null, message: `'${c.subject}' is in the bundle but not part of the path; it can be removed` });
      inPath.add(c.sha256);
    }
  }
  if (mode === 'pki' && leaf.eku === undefined && !leaf.isCA) {
    warnings.push({ code: 'no-eku', certificate: 0, message: 'the leaf certificate has no extendedKeyUsage, so it is valid for either role (OpenSSL and Kong accept it); issue it with serverAuth or clientAuth to keep the roles apart' });
  }
  path.forEach((c, i) => {
    if (c.signatureHash === 'SHA-1' && !(c.selfSigned && i === path.length - 1 && i > 0)) {
      warnings.push({ code: 'sha1-signature', certificate: i, message: `certificate ${i} (${c.subject}) is signed with SHA-1, which TLS libraries are dropping; reissue it with SHA-256` });
    }
  });
  return warnings;
}
