// What an operator wants to know about each certificate in a bundle.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash } from 'node:crypto';
import { describeKey, type Cert } from './cert.js';
import { ekuName } from './oids.js';

export interface CertificateFacts {
  index: number;
  subject: string;
  issuer: string;
  serial: string;
  version: number;
  selfSigned: boolean;
  isCA: boolean;
  pathLen: number | null;
  keyUsage: string[];
  extendedKeyUsage: string[];
  dnsNames: string[];
  ipAddresses: string[];
  keyType: string;
  signatureHash: string | null;
  notBefore: string;
  notAfter: string;
  fingerprints: { sha256: string; sha1: string };
}

const KU_NAMES: [number, string][] = [
  [x509.KeyUsageFlags.digitalSignature, 'digitalSignature'],
  [x509.KeyUsageFlags.nonRepudiation, 'nonRepudiation'],
  [x509.KeyUsageFlags.keyEncipherment, 'keyEncipherment'],
  [x509.KeyUsageFlags.dataEncipherment, 'dataEncipherment'],
  [x509.KeyUsageFlags.keyAgreement, 'keyAgreement'],
  [x509.KeyUsageFlags.keyCertSign, 'keyCertSign'],
  [x509.KeyUsageFlags.cRLSign, 'cRLSign'],
  [x509.KeyUsageFlags.encipherOnly, 'encipherOnly'],
  [x509.KeyUsageFlags.decipherOnly, 'decipherOnly'],
];

const colonHex = (hex: string) => hex.toUpperCase().match(/../g)!.join(':');

export function inspect(certs: readonly Cert[]): CertificateFacts[] {
  return certs.map((c, index) => ({
    index,
    subject: c.subject,
    issuer: c.issuer,
    serial: c.serial,
    version: c.version,
    selfSigned: c.selfSigned,
    isCA: c.isCA === true,
    pathLen: c.pathLen ?? null,
    keyUsage: c.keyUsage === undefined ? [] : KU_NAMES.filter(([bit]) => (c.keyUsage! & bit) !== 0).map(([, n]) => n),
    extendedKeyUsage: (c.eku ?? []).map(ekuName),
    dnsNames: c.dnsNames,
    ipAddresses: c.ipAddresses,
    keyType: describeKey(c.key),
    signatureHash: c.signatureHash ?? null,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    fingerprints: { sha256: colonHex(c.sha256), sha1: colonHex(createHash('sha1').update(c.der).digest('hex')) },
  }));
}
