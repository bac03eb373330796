// PEM text ⇄ DER blocks, and reading certificate/key files with errors that name their source.
import { readFileSync, statSync } from 'node:fs';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { InputError, errorMessage } from '../errors.js';
import { parseCertificate, type Cert } from './cert.js';

export interface PemBlock {
  label: string;
  der: Buffer;
}

const PEM_RE = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

export function parsePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(PEM_RE)) {
    const body = (m[2] ?? '').replace(/[\r\n\t ]/g, '');
    // Base64 bodies may carry headers (Proc-Type) in legacy keys; those are kept for keys below.
    blocks.push({ label: m[1] ?? '', der: Buffer.from(body.replace(/^.*:.*$/gm, ''), 'base64') });
  }
  return blocks;
}

export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** A named source: `what` is how errors refer to it (`--ca ca.pem`, `cluster_cert`). */
export interface Source {
  what: string;
  text: string;
}

export function readSource(path: string, what: string): Source {
  let text: string;
  try {
    if (statSync(path).isDirectory()) throw new Error('is a directory');
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : errorMessage(err);
    throw new InputError(`cannot read ${what} ${path}: ${reason}`);
  }
  return { what: `${what} ${path}`, text };
}

const KEY_LABELS = new Set(['PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);

/** Every certificate in a PEM source, in file order. Fails when there is none. */
export function certificatesFrom(src: Source): Cert[] {
  const blocks = parsePemBlocks(src.text);
  if (blocks.length === 0) {
    throw new InputError(`cannot read ${src.what}: not a PEM file (expected -----BEGIN CERTIFICATE-----)`);
  }
  const certs: Cert[] = [];
  for (const b of blocks) {
    if (b.label !== 'CERTIFICATE') continue;
    try {
      certs.push(parseCertificate(b.der));
    } catch (err) {
      throw new InputError(`cannot read ${src.what}: certificate ${certs.length + 1} is not a valid X.509 certificate (${errorMessage(err)})`);
    }
  }
  if (certs.length === 0) {
    const labels = [...new Set(blocks.map((b) => b.label))].join(', ');
    const keyHint = blocks.some((b) => KEY_LABELS.has(b.label)) ? ' (this looks like a private key; pass the certificate here)' : '';
    throw new InputError(`cannot read ${src.what}: no certificate found, only ${labels}${keyHint}`);
  }
  return certs;
}

export function privateKeyFrom(src: Source): KeyObject {
  const blocks = parsePemBlocks(src.text);
  const keyBlock = blocks.find((b) => KEY_LABELS.has(b.label));
  if (!keyBlock) {
    const hint = blocks.some((b) => b.label === 'CERTIFICATE') ? ' (this is a certificate; pass the private key here)' : '';
    throw new InputError(`cannot read ${src.what}: no private key found${hint}`);
  }
  if (keyBlock.label === 'ENCRYPTED PRIVATE KEY') {
    throw new InputError(`cannot read ${src.what}: the private key is encrypted; decrypt it first (openssl pkcs8 -in KEY -out KEY.plain)`);
  }
  try {
    const start = src.text.indexOf(`-----BEGIN ${keyBlock.label}-----`);
    const endMarker = `-----END ${keyBlock.label}-----`;
    const end = src.text.indexOf(endMarker, start) + endMarker.length;
    return createPrivateKey({ key: src.text.slice(start, end), format: 'pem' });
  } catch (err) {
    throw new InputError(`cannot read ${src.what}: the private key cannot be parsed (${errorMessage(err)})`);
  }
}
