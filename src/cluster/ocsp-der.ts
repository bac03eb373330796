// Just enough DER for OCSP (RFC 6960): build a request for one certificate, read the responder's
// answer. Certificates are parsed elsewhere; this reads only the fields OCSP needs.
import { createHash } from 'node:crypto';

export interface Tlv {
  tag: number;
  /** The whole element, header included. */
  raw: Buffer;
  content: Buffer;
}

export function readTlv(buf: Buffer, at = 0): Tlv {
  if (at + 2 > buf.length) throw new Error('truncated DER');
  const tag = buf[at]!;
  let len = buf[at + 1]!;
  let hdr = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || at + 2 + n > buf.length) throw new Error('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[at + 2 + i]!;
    hdr += n;
  }
  const end = at + hdr + len;
  if (end > buf.length) throw new Error('truncated DER');
  return { tag, raw: buf.subarray(at, end), content: buf.subarray(at + hdr, end) };
}

export function children(t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = 0; at < t.content.length; ) {
    const c = readTlv(t.content, at);
    out.push(c);
    at += c.raw.length;
  }
  return out;
}

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const content = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

const SEQ = 0x30;
const SHA1_ALG = tlv(SEQ, Buffer.from('06052b0e03021a', 'hex'), Buffer.from('0500', 'hex'));

export function oidToString(content: Buffer): string {
  const parts = [Math.floor(content[0]! / 40), content[0]! % 40];
  let v = 0;
  for (const b of content.subarray(1)) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** tbsCertificate's fields by name (the optional [0] version skipped). */
function tbsFields(certDer: Buffer): { serial: Tlv; issuer: Tlv; spki: Tlv } {
  const tbs = children(readTlv(certDer))[0]!;
  const f = children(tbs);
  const i = f[0]!.tag === 0xa0 ? 1 : 0;
  return { serial: f[i]!, issuer: f[i + 2]!, spki: f[i + 5]! };
}

/** CertID (SHA-1, as OpenSSL and Kong use) of `leaf` issued by `issuer`. */
export function certId(leafDer: Buffer, issuerDer: Buffer): Buffer {
  const leaf = tbsFields(leafDer);
  const keyBits = children(tbsFields(issuerDer).spki)[1]!.content.subarray(1);
  const sha1 = (b: Buffer) => createHash('sha1').update(b).digest();
  return tlv(SEQ, SHA1_ALG, tlv(0x04, sha1(leaf.issuer.raw)), tlv(0x04, sha1(keyBits)), leaf.serial.raw);
}

export function ocspRequest(id: Buffer): Buffer {
  return tlv(SEQ, tlv(SEQ, tlv(SEQ, tlv(SEQ, id))));
}

export interface ParsedResponse {
  tbs: Buffer;
  sigAlg: string;
  signature: Buffer;
  certs: Buffer[];
  single: { certId: Buffer; serial: Buffer; status: 'good' | 'revoked' | 'unknown'; thisUpdate: Date; nextUpdate?: Date }[];
}

const RESPONSE_STATUS = ['successful', 'malformedRequest', 'internalError', 'tryLater', '(4)', 'sigRequired', 'unauthorized'];
const OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1';

export function parseOcspResponse(der: Buffer): ParsedResponse {
  const top = children(readTlv(der));
  const status = top[0]?.content[0] ?? -1;
  if (status !== 0) throw new Error(`OCSP response status is ${RESPONSE_STATUS[status] ?? status}`);
  const bytes = children(children(top[1]!)[0]!);
  if (oidToString(bytes[0]!.content) !== OCSP_BASIC) throw new Error('not a basic OCSP response');
  const basic = children(readTlv(bytes[1]!.content));
  const tbs = basic[0]!;
  const sigAlg = oidToString(children(basic[1]!)[0]!.content);
  const signature = basic[2]!.content.subarray(1);
  const certs = basic[3] ? children(children(basic[3])[0]!).map((c) => c.raw) : [];
  const data = children(tbs);
  const responses = data.find((d, i) => d.tag === SEQ && i > 0 && data[i - 1]!.tag === 0x18)!;
  const single = children(responses).map((r) => {
    const f = children(r);
    const id = f[0]!;
    const st = f[1]!.tag;
    const next = f.find((x) => x.tag === 0xa0);
    return {
      certId: id.raw,
      serial: children(id)[3]!.raw,
      status: (st === 0x80 ? 'good' : st === 0xa1 ? 'revoked' : 'unknown') as 'good' | 'revoked' | 'unknown',
      thisUpdate: generalizedTime(f[2]!.content),
      ...(next ? { nextUpdate: generalizedTime(children(next)[0]!.content) } : {}),
    };
  });
  return { tbs: tbs.raw, sigAlg, signature, certs, single };
}

function generalizedTime(b: Buffer): Date {
  const s = b.toString('latin1');
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(s);
  if (!m) throw new Error(`unreadable time ${s}`);
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

/** Node's digest name for a signature algorithm OID; null digest for EdDSA. */
export const SIG_DIGEST: Record<string, string | null> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.3.101.112': null,
};
