// The rules a path must pass, each a small function returning problems. Kong's CP verifies DP
// chains through OpenSSL (nginx ssl_verify_client); these reproduce that judgement with names.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { isIP } from 'node:net';
import type { KeyObject } from 'node:crypto';
import type { Cert } from '../cert.js';
import { describeKey } from '../cert.js';
import { EKU, ekuName } from '../oids.js';
import { ROLE_EKU, type Role } from '../profiles.js';
import type { Problem } from './codes.js';
import type { BuiltPath } from './path.js';

export interface CheckContext {
  path: BuiltPath;
  role: Role;
  mode: 'pki' | 'shared';
  serverName?: string;
  maxIntermediates: number;
  at: Date;
  key?: KeyObject;
  names: InputNames;
}

/**
 * How messages name the inputs: verify-chain speaks of its flags, a daemon of its kong.conf keys
 * (a CP log line must not tell the operator to pass --ca to a daemon that has no such flag).
 */
export interface InputNames {
  cert: string;
  chain: string;
  ca: string;
  key: string;
}

export const DAEMON_NAMES: InputNames = { cert: 'the presented certificate', chain: 'the presented chain', ca: 'cluster_ca_cert', key: 'the private key' };

const label = (c: Cert, i: number) => `certificate ${i} (${c.subject || '<empty subject>'})`;
const ROLE_NAME: Record<Role, string> = { cp: 'control plane', dp: 'data plane' };

export function checkTrust({ path, names }: CheckContext): Problem[] {
  if (path.anchored) return [];
  const last = path.certs.length - 1;
  const lastCert = path.certs[last]!;
  if (path.endsAtNonRootAnchor) {
    return [{
      code: 'ca-not-root', certificate: last,
      message: `${label(lastCert, last)} from ${names.ca} is not a self-signed root; Kong verifies the chain up to a root CA`,
      hint: `pass the root CA certificate as ${names.ca}, and send the intermediates with the leaf`,
    }];
  }
  const bad = path.badSignatures.find((b) => b.index === last);
  if (bad) {
    return [{
      code: 'untrusted', certificate: last,
      message: `the signature of ${label(lastCert, last)} does not verify with the key of '${bad.candidate.subject}'`,
      hint: 'the certificate was not issued by this CA (same name, different key): reissue it or use the right CA file',
    }];
  }
  if (lastCert.selfSigned) {
    return [{
      code: 'untrusted', certificate: last,
      message: `${label(lastCert, last)} is a self-signed root that is not in ${names.ca}`,
      hint: `add this root to ${names.ca} if you trust it`,
    }];
  }
  return [{
    code: 'untrusted', certificate: last,
    message: `issuer '${lastCert.issuer}' of ${label(lastCert, last)} was not found in ${names.cert}, ${names.chain} or ${names.ca}`,
    hint: `add the missing intermediate to the certificate bundle (or ${names.chain}), and its root to ${names.ca}`,
  }];
}

export function checkDepth({ path, maxIntermediates }: CheckContext): Problem[] {
  const n = path.certs.slice(1).filter((c) => !c.selfSigned).length;
  if (n <= maxIntermediates) return [];
  return [{
    code: 'depth', certificate: null,
    message: `the path has ${n} intermediate CAs between the leaf and the root; at most ${maxIntermediates} are accepted`,
    hint: `issue the leaf from a CA at most ${maxIntermediates} levels below the root (hybridctl gen-cert --mode pki --intermediates ${Math.min(maxIntermediates, 3)})`,
  }];
}

export function checkCaFlags({ path }: CheckContext): Problem[] {
  const problems: Problem[] = [];
  path.certs.forEach((c, i) => {
    if (i === 0) return;
    // A v1 self-signed root has no extensions at all; OpenSSL still trusts it as an anchor.
    const v1Root = c.version === 1 && c.selfSigned;
    if (c.isCA !== true && !v1Root) {
      problems.push({
        code: 'ca', certificate: i,
        message: `${label(c, i)} issued certificate ${i - 1} but is not a CA (basicConstraints CA:TRUE ${c.isCA === false ? 'is false' : 'is missing'})`,
        hint: 'only CA certificates may issue others: issue the leaf from your CA (hybridctl gen-cert --mode pki --profile dp|cp --issuer-cert CA.crt --issuer-key CA.key)',
      });
    } else if (c.keyUsage !== undefined && (c.keyUsage & x509.KeyUsageFlags.keyCertSign) === 0) {
      problems.push({
        code: 'ca', certificate: i,
        message: `${label(c, i)} issued certificate ${i - 1} but its keyUsage lacks keyCertSign`,
        hint: 'reissue the CA with keyUsage keyCertSign, cRLSign (hybridctl gen-cert --mode pki --profile intermediate)',
      });
    }
  });
  return problems;
}

export function checkPathLen({ path }: CheckContext): Problem[] {
  const problems: Problem[] = [];
  path.certs.forEach((c, i) => {
    if (i === 0 || c.pathLen === undefined) return;
    const below = path.certs.slice(1, i).filter((x) => !x.selfSigned).length;
    if (below > c.pathLen) {
      problems.push({
        code: 'pathlen', certificate: i,
        message: `${label(c, i)} allows ${c.pathLen} intermediate CA(s) below it (pathLenConstraint ${c.pathLen}) but the path has ${below}`,
        hint: 'issue the leaf from a CA closer to this one, or reissue this CA with a larger pathlen',
      });
    }
  });
  return problems;
}

export function checkEku({ path, role }: CheckContext): Problem[] {
  const leaf = path.certs[0]!;
  const need = ROLE_EKU[role];
  const fix = role === 'dp'
    ? 'issue a DP certificate with clientAuth: hybridctl gen-cert --mode pki --profile dp --issuer-cert CA.crt --issuer-key CA.key --out-cert dp.crt --out-key dp.key'
    : 'issue a CP certificate with serverAuth: hybridctl gen-cert --mode pki --profile cp --cp-hostname NAME --issuer-cert CA.crt --issuer-key CA.key --out-cert cp.crt --out-key cp.key';
  // No extendedKeyUsage at all means "any purpose" to OpenSSL, and so to Kong: accepted for
  // either role (verify/index.ts warns about it in pki mode). Only an EKU that excludes the role is refused.
  if (leaf.eku === undefined) return [];
  if (leaf.eku.includes(need) || leaf.eku.includes(EKU.any)) return [];
  const has = leaf.eku.map(ekuName).join(', ') || 'none';
  return [{ code: 'eku', certificate: 0, message: `the ${ROLE_NAME[role]} certificate has extendedKeyUsage ${has} but needs ${ekuName(need)}`, hint: fix }];
}

export function checkHostname({ path, role, serverName }: CheckContext): Problem[] {
  if (role !== 'cp' || !serverName) return [];
  const leaf = path.certs[0]!;
  const bare = serverName.replace(/^\[(.*)\]$/, '$1');
  const ok = isIP(bare) ? leaf.node.checkIP(bare) !== undefined : leaf.node.checkHost(bare) !== undefined;
  if (ok) return [];
  const names = [...leaf.dnsNames.map((n) => `DNS:${n}`), ...leaf.ipAddresses.map((n) => `IP:${n}`)];
  return [{
    code: 'hostname', certificate: 0,
    message: `the control plane certificate is not valid for '${serverName}' (it names ${names.length ? names.join(', ') : `only ${leaf.subject}`})`,
    hint: `set cluster_server_name to one of those names, or reissue the CP certificate with --cp-hostname ${serverName}`,
  }];
}

export function checkValidity({ path, at }: CheckContext): Problem[] {
  const problems: Problem[] = [];
  path.certs.forEach((c, i) => {
    if (at < c.notBefore) {
      problems.push({ code: 'not-yet-valid', certificate: i, message: `${label(c, i)} is not valid before ${c.notBefore.toISOString()}`, hint: 'check the clock of this host, or wait until the certificate becomes valid' });
    } else if (at > c.notAfter) {
      problems.push({ code: 'expired', certificate: i, message: `${label(c, i)} expired on ${c.notAfter.toISOString()}`, hint: 'issue a new certificate (hybridctl gen-cert)' });
    }
  });
  return problems;
}

const STRONG_CURVES = new Set(['P-256', 'P-384', 'P-521']);

export function checkKeyStrength({ path }: CheckContext): Problem[] {
  const problems: Problem[] = [];
  path.certs.forEach((c, i) => {
    const k = c.key;
    const weak = (k.type === 'rsa' && (k.bits ?? 0) < 2048) || (k.type === 'ec' && !STRONG_CURVES.has(k.curve ?? '')) || k.type === 'dsa';
    if (weak) problems.push({ code: 'weak-key', certificate: i, message: `${label(c, i)} has a weak ${describeKey(k)} key`, hint: 'reissue it with EC P-256/P-384 or RSA 2048 or more' });
  });
  return problems;
}

export function checkKeyMatch({ path, key, names }: CheckContext): Problem[] {
  if (!key) return [];
  const leaf = path.certs[0]!;
  let ok = false;
  try {
    ok = leaf.node.checkPrivateKey(key);
  } catch {
    ok = false;
  }
  return ok ? [] : [{ code: 'key-mismatch', certificate: 0, message: `${names.key} does not belong to ${label(leaf, 0)}`, hint: 'pass the private key that was generated with this certificate' }];
}

export const PKI_CHECKS = [checkTrust, checkDepth, checkCaFlags, checkPathLen, checkEku, checkHostname, checkValidity, checkKeyStrength, checkKeyMatch];
export const SHARED_CHECKS = [checkEku, checkHostname, checkValidity, checkKeyStrength, checkKeyMatch];
