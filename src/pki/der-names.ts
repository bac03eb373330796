// The issuer and subject Name of a certificate as their DER bytes, read without parsing the rest:
// enough to index thousands of trust anchors by name and parse only the few a path can use.
import { InputError } from '../errors.js';

interface Tlv {
  tag: number;
  /** Offset of the first byte of the TLV and one past its last. */
  start: number;
  end: number;
  contentStart: number;
}

function tlv(buf: Uint8Array, off: number): Tlv {
  if (off + 2 > buf.length) throw new InputError('truncated DER');
  const tag = buf[off]!;
  let len = buf[off + 1]!;
  let contentStart = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || contentStart + n > buf.length) throw new InputError('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[contentStart + i]!;
    contentStart += n;
  }
  const end = contentStart + len;
  if (end > buf.length) throw new InputError('truncated DER');
  return { tag, start: off, end, contentStart };
}

export function certificateNames(der: Uint8Array): { issuer: Buffer; subject: Buffer } {
  const cert = tlv(der, 0);
  const tbs = tlv(der, cert.contentStart);
  let at = tlv(der, tbs.contentStart);
  if (at.tag === 0xa0) at = tlv(der, at.end); // [0] version
  const signature = tlv(der, at.end); // after serialNumber
  const issuer = tlv(der, signature.end);
  const validity = tlv(der, issuer.end);
  const subject = tlv(der, validity.end);
  if (issuer.tag !== 0x30 || subject.tag !== 0x30) throw new InputError('not an X.509 certificate');
  return { issuer: Buffer.from(der.subarray(issuer.start, issuer.end)), subject: Buffer.from(der.subarray(subject.start, subject.end)) };
}
