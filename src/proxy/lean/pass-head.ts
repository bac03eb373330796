// The common upstream response head, read from its bytes: HTTP/1.1, a final status with a body,
// a Content-Length, and every header line already in the form node:http would write it
// ("Name: value", one space, no trailing blanks). Such a head goes to the client as the lines
// it arrived with, minus the hop-by-hop ones, then Kong's headers: no string per header, no
// header list, no head string rebuilt. Anything else (chunked, close-delimited, 1xx, HEAD,
// 204/304, blanks to trim, a line to refuse) is the string parser's (relay.ts), which also
// says what is wrong with it. With plugins, it serves a request whose plugins have no response
// phase; the headers they set in access replace the upstream's of those names.

import { lengthMask } from '../headers.js';

const enum Char { Token = 1, Value = 2 }
const CHARS = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const token = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c));
  const value = c === 9 || (c >= 0x20 && c <= 0x7e) || c >= 0x80;
  CHARS[c] = (token ? Char.Token : 0) | (value ? Char.Value : 0);
}

const enum Name { Other, Drop, Length, Connection, Via, Date, Refuse }
// By length, the names that matter: `| 0x20` lower-cases letters and keeps '-' (no other
// token character maps onto either).
const NAMES: (readonly [string, Name])[][] = [];
for (const [name, kind] of [
  ['content-length', Name.Length], ['connection', Name.Connection], ['via', Name.Via], ['date', Name.Date],
  ['keep-alive', Name.Drop], ['proxy-connection', Name.Drop], ['upgrade', Name.Drop], ['trailer', Name.Drop],
  ['x-kong-request-id', Name.Drop], ['transfer-encoding', Name.Refuse],
] as const) (NAMES[name.length] ??= []).push([name, kind]);

function nameKind(buf: Buffer, at: number, len: number): Name {
  const candidates = NAMES[len];
  if (candidates === undefined) return Name.Other;
  for (const [name, kind] of candidates) {
    let i = 0;
    while (i < len && (buf[at + i]! | 0x20) === name.charCodeAt(i)) i++;
    if (i === len) return kind;
  }
  return Name.Other;
}

const MAX_RANGES = 16;

/** What passHead found in a head it takes. */
export class PassedHead {
  status = 0;
  length = 0;
  /** The upstream asked to close its connection. */
  close = false;
  /** It has a Date of its own (node:http then adds none). */
  date = false;
  /** Its Via values, joined, for Kong's Via to follow. */
  via: string | null = null;
  /** [start, end) byte ranges of the header lines that go on as they are, `count` of them. */
  readonly ranges = new Int32Array(2 * MAX_RANGES);
  count = 0;
  /** Bytes in those ranges. */
  kept = 0;
}

/**
 * Reads `buf`'s head, whose blank line starts at `end`, into `out`. False: not the common
 * shape, and the string parser has it instead.
 */
export function passHead(buf: Buffer, end: number, out: PassedHead, drop: ReadonlyMap<string, unknown> | null = null): boolean {
  // "HTTP/1.1 200" then a reason phrase or nothing.
  if (buf[0] !== 72 || buf[1] !== 84 || buf[2] !== 84 || buf[3] !== 80 || buf[4] !== 47 || buf[5] !== 49 || buf[6] !== 46 || buf[7] !== 49 || buf[8] !== 32) return false;
  const d0 = buf[9]! - 48, d1 = buf[10]! - 48, d2 = buf[11]! - 48;
  if (d0 < 2 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return false;
  const status = d0 * 100 + d1 * 10 + d2;
  if (status === 204 || status === 304) return false;
  let pos = 12;
  if (buf[pos] !== 13) {
    if (buf[pos] !== 32) return false;
    while (pos < end && buf[pos] !== 13) if (buf[pos++] === 10) return false;
  }
  if (buf[pos + 1] !== 10) return false;
  pos += 2;
  const stop = end + 2;
  let length = -1;
  let close = false;
  let date = false;
  let via: string | null = null;
  let count = 0;
  let kept = 0;
  const ranges = out.ranges;
  const dropLengths = drop === null ? 0 : lengthMask(drop.keys());
  while (pos < stop) {
    const line = pos;
    while ((CHARS[buf[pos]!]! & Char.Token) !== 0) pos++;
    const nameLen = pos - line;
    if (nameLen === 0 || buf[pos] !== 58 || buf[pos + 1] !== 32) return false;
    pos += 2;
    const value = pos;
    if (buf[pos] === 32 || buf[pos] === 9) return false;
    while ((CHARS[buf[pos]!]! & Char.Value) !== 0) pos++;
    if (buf[pos] !== 13 || buf[pos + 1] !== 10) return false;
    if (pos > value && (buf[pos - 1] === 32 || buf[pos - 1] === 9)) return false;
    const valueEnd = pos;
    pos += 2;
    let keep = true;
    switch (nameKind(buf, line, nameLen)) {
      case Name.Refuse:
        return false;
      case Name.Drop:
        keep = false;
        break;
      case Name.Length: {
        const n = valueEnd - value;
        if (length !== -1 || n === 0 || n > 15) return false;
        let v = 0;
        for (let i = value; i < valueEnd; i++) {
          const c = buf[i]! - 48;
          if (c < 0 || c > 9) return false;
          v = v * 10 + c;
        }
        length = v;
        break;
      }
      case Name.Connection:
        keep = false;
        if (buf.toString('latin1', value, valueEnd).toLowerCase().includes('close')) close = true;
        break;
      case Name.Via: {
        keep = false;
        const v = buf.toString('latin1', value, valueEnd);
        via = via ? `${via}, ${v}` : v;
        break;
      }
      case Name.Date:
        date = true;
        break;
      default:
        // A header a plugin set or removed: its own values follow Kong's headers.
        if (((dropLengths >>> (nameLen & 31)) & 1) === 1 && drop!.has(buf.toString('latin1', line, line + nameLen).toLowerCase())) keep = false;
    }
    if (!keep) continue;
    kept += pos - line;
    if (count > 0 && ranges[2 * count - 1] === line) ranges[2 * count - 1] = pos;
    else {
      if (count === MAX_RANGES) return false;
      ranges[2 * count] = line;
      ranges[2 * count + 1] = pos;
      count++;
    }
  }
  if (length === -1) return false;
  out.status = status;
  out.length = length;
  out.close = close;
  out.date = date;
  out.via = via;
  out.count = count;
  out.kept = kept;
  return true;
}

/** The client's head and the body pieces read with it, as one buffer: status line, kept lines, `tail`. */
export function passedResponse(src: Buffer, head: PassedHead, statusLine: string, tail: string, pieces: readonly Buffer[]): Buffer {
  let size = statusLine.length + head.kept + tail.length;
  for (const b of pieces) size += b.length;
  const out = Buffer.allocUnsafe(size);
  let pos = out.write(statusLine, 0, 'latin1');
  const r = head.ranges;
  for (let i = 0; i < head.count; i++) pos += src.copy(out, pos, r[2 * i]!, r[2 * i + 1]!);
  pos += out.write(tail, pos, 'latin1');
  for (const b of pieces) pos += b.copy(out, pos);
  return out;
}
