// One parsed certificate: the facts the path rules and the summaries need, read once.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate as NodeX509, createHash, type KeyObject } from 'node:crypto';
import { webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface KeyInfo {
  type: 'ec' | 'rsa' | 'ed25519' | 'ed448' | 'dsa' | string;
  /** NIST name for EC keys (P-256), OpenSSL's otherwise. */
  curve?: string;
  bits?: number;
}

export interface Cert {
  der: Buffer;
  pem: string;
  node: NodeX509;
  subject: string;
  issuer: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  sha256: string;
  /** basicConstraints cA; undefined when the extension is absent. */
  isCA: boolean | undefined;
  pathLen: number | undefined;
  /** keyUsage bit flags (x509.KeyUsageFlags); undefined when the extension is absent. */
  keyUsage: number | undefined;
  /** EKU OIDs; undefined when the extension is absent. */
  eku: string[] | undefined;
  dnsNames: string[];
  ipAddresses: string[];
  selfSigned: boolean;
  /** subjectKeyIdentifier / authorityKeyIdentifier keyId, hex. */
  ski: string | undefined;
  aki: string | undefined;
  key: KeyInfo;
  signatureHash: string | undefined;
  version: number;
}

const CURVE_NAMES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

export function keyInfoOf(key: KeyObject): KeyInfo {
  const type = key.asymmetricKeyType ?? 'unknown';
  const d = key.asymmetricKeyDetails ?? {};
  if (type === 'ec') return { type, curve: CURVE_NAMES[d.namedCurve ?? ''] ?? d.namedCurve ?? 'unknown' };
  if (type === 'rsa' || type === 'rsa-pss' || type === 'dsa') return { type: type === 'rsa-pss' ? 'rsa' : type, bits: d.modulusLength };
  return { type };
}

export function describeKey(k: KeyInfo): string {
  if (k.type === 'ec') return `EC ${k.curve}`;
  if (k.type === 'rsa') return `RSA ${k.bits}`;
  if (k.type === 'ed25519') return 'Ed25519';
  return k.type;
}

export function parseCertificate(der: Buffer): Cert {
  const node = new NodeX509(der);
  const px = new x509.X509Certificate(new Uint8Array(der));
  const bc = px.getExtension(x509.BasicConstraintsExtension);
  const ku = px.getExtension(x509.KeyUsagesExtension);
  const ekuExt = px.getExtension(x509.ExtendedKeyUsageExtension);
  const san = px.getExtension(x509.SubjectAlternativeNameExtension);
  const ski = px.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const aki = px.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
  const names = san?.names.items ?? [];
  const sig = px.signatureAlgorithm as { hash?: { name?: string } };
  const versionByte = readVersion(der);
  return {
    der,
    pem: node.toString(),
    node,
    subject: px.subject,
    issuer: px.issuer,
    serial: px.serialNumber,
    notBefore: px.notBefore,
    notAfter: px.notAfter,
    sha256: createHash('sha256').update(der).digest('hex'),
    isCA: bc ? bc.ca : undefined,
    pathLen: bc?.pathLength,
    keyUsage: ku ? ku.usages : undefined,
    eku: ekuExt ? ekuExt.usages.map(String) : undefined,
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === 'ip').map((n) => n.value),
    selfSigned: px.subject === px.issuer && safeVerify(node, node.publicKey),
    ski: ski?.toLowerCase(),
    aki: aki?.toLowerCase(),
    key: keyInfoOf(node.publicKey),
    signatureHash: sig.hash?.name,
    version: versionByte,
  };
}

export function safeVerify(cert: NodeX509, key: KeyObject): boolean {
  try {
    return cert.verify(key);
  } catch {
    return false;
  }
}

/** X.509 version (1 or 3): v1 certificates, like Kong's gen_cert ones, omit the [0] version field. */
function readVersion(der: Buffer): number {
  // Certificate SEQUENCE → tbsCertificate SEQUENCE → optional [0] EXPLICIT version.
  let i = 1;
  i += lengthSize(der, i);
  i += 1;
  i += lengthSize(der, i);
  if (der[i] !== 0xa0) return 1;
  // a0 03 02 01 vv
  return (der[i + 4] ?? 0) + 1;
}

function lengthSize(der: Buffer, i: number): number {
  const b = der[i] ?? 0;
  return b < 0x80 ? 1 : 1 + (b & 0x7f);
}
