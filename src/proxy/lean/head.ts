// The lean path's request head parser. It accepts only the plain case: an HTTP/1.1 request
// line in origin form, a single Host, printable ASCII, CRLF line ends, no body, no Connection,
// Upgrade or Expect. Everything else (bodies, HTTP/1.0, odd or malformed heads) is given to
// node:http untouched, so the unusual keeps exactly the behaviour it always had.
import type { RequestView } from '../resolve.js';
import { lengthMask, maybeOneOf } from '../headers.js';

/** node:http's default limit (--max-http-header-size); beyond it node answers 431. */
export const MAX_HEAD = 16 * 1024;

export const INCOMPLETE = 0;
export const HANDOFF = 1;
export const PARSED = 2;
export type HeadResult = typeof INCOMPLETE | typeof HANDOFF | typeof PARSED;

const CRLFCRLF = Buffer.from('\r\n\r\n');
// Printable ASCII, tab and CR/LF only; obs-text and control bytes are node:http's business.
const ODD_BYTE = /[^\t\r\n\x20-\x7e]/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// The header lines, all of them at once: a token, a colon, a value without CR or LF, CRLF.
const HEADER_LINES = /(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[^\r\n]*\r\n)*$/y;
// Headers that mean a body, a protocol switch, an interim response or per-connection rules
// (`Connection: keep-alive` alone is HTTP/1.1's default and stays lean).
const NOT_LEAN = new Set(['content-length', 'transfer-encoding', 'upgrade', 'expect', 'http2-settings', 'keep-alive', 'proxy-connection']);
// A name of none of these lengths is none of NOT_LEAN, Connection or Host: it is not lower-cased.
const LOOKED_AT = lengthMask([...NOT_LEAN, 'connection', 'host']);

/** One parsed request head; reused for every request of a connection. */
export class RequestHead implements RequestView {
  method = '';
  url = '';
  host = '';
  clientIp = '';
  /** [name, value, …] as received (values without surrounding blanks), as node's rawHeaders; never changed once parsed. */
  rawHeaders: string[] = [];
  /** Bytes the head took, final CRLF included. */
  length = 0;
  /** upstreamHeaders reads Connection from here: at most `keep-alive` on a lean request. */
  readonly headers: { connection?: string } = {};

  header(name: string): readonly string[] | undefined {
    let out: string[] | undefined;
    const raw = this.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const n = raw[i]!;
      if (n.length === name.length && n.toLowerCase() === name) (out ??= []).push(raw[i + 1]!);
    }
    return out;
  }

  /** The first value of a header (lower-case name), as req.headers[name] gives for most. */
  first(name: string): string | undefined {
    const raw = this.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const n = raw[i]!;
      if (n.length === name.length && n.toLowerCase() === name) return raw[i + 1];
    }
    return undefined;
  }
}

const isBlank = (c: number) => c === 32 || c === 9;

/** Parses the head at the start of `buf` into `into`. */
export function parseHead(buf: Buffer, into: RequestHead): HeadResult {
  const end = buf.indexOf(CRLFCRLF);
  if (end === -1) return buf.length > MAX_HEAD ? HANDOFF : INCOMPLETE;
  if (end + 4 > MAX_HEAD) return HANDOFF;
  const s = buf.toString('latin1', 0, end + 2);
  if (ODD_BYTE.test(s)) return HANDOFF;
  const eol = s.indexOf('\r\n');
  const sp1 = s.indexOf(' ');
  if (sp1 <= 0 || sp1 > eol) return HANDOFF;
  const sp2 = s.indexOf(' ', sp1 + 1);
  if (sp2 === -1 || sp2 > eol || s.charCodeAt(sp1 + 1) !== 47) return HANDOFF;
  if (eol - sp2 !== 9 || !s.startsWith('HTTP/1.1', sp2 + 1)) return HANDOFF;
  const method = s.slice(0, sp1);
  if (!TOKEN.test(method)) return HANDOFF;
  const url = s.slice(sp1 + 1, sp2);
  // A bare CR or LF anywhere in the request line.
  if (url.includes('\r') || url.includes('\n')) return HANDOFF;
  // A new list per request: plugins may still read the previous one (and emptying an array in
  // place is a runtime call, slower than making one).
  const raw: string[] = [];
  into.rawHeaders = raw;
  into.headers.connection = undefined;
  let host: string | null = null;
  let pos = eol + 2;
  HEADER_LINES.lastIndex = pos;
  if (!HEADER_LINES.test(s)) return HANDOFF;
  while (pos < s.length) {
    const e = s.indexOf('\r\n', pos);
    const colon = s.indexOf(':', pos);
    const name = s.slice(pos, colon);
    let vs = colon + 1;
    let ve = e;
    while (vs < ve && isBlank(s.charCodeAt(vs))) vs++;
    while (ve > vs && isBlank(s.charCodeAt(ve - 1))) ve--;
    const value = s.slice(vs, ve);
    if (maybeOneOf(LOOKED_AT, name)) {
      const lower = name.toLowerCase();
      if (NOT_LEAN.has(lower)) return HANDOFF;
      if (lower === 'connection') {
        if (into.headers.connection !== undefined || value.toLowerCase() !== 'keep-alive') return HANDOFF;
        into.headers.connection = value;
      } else if (lower === 'host') {
        if (host !== null || value === '') return HANDOFF;
        host = value;
      }
    }
    raw.push(name, value);
    pos = e + 2;
  }
  if (host === null) return HANDOFF;
  into.method = method;
  into.url = url;
  into.host = host;
  into.length = end + 4;
  return PARSED;
}
