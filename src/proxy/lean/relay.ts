// The upstream's response as the lean path reads it: the head (interim 1xx responses skipped,
// as undici does), then the body by its framing, decoded into the pieces undici would hand
// over (slices of what was read, never copied). How they are framed for the client is the
// exchange's business. The common head is read from its bytes instead (pass-head.ts).
import { PassedHead, passHead } from './pass-head.js';

const CRLFCRLF = Buffer.from('\r\n\r\n');
// The header lines of a response head, all of them at once: a token, a colon, a value of
// printable ASCII, tab and latin1 (node:http writes those back as they are), CRLF.
const HEADER_LINES = /(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*\r\n)*$/y;
const MAX_RESPONSE_HEAD = 64 * 1024;

export const HEAD_INCOMPLETE = -1;
export const HEAD_INVALID = -2;

const enum Framing { None, Length, Chunked, Close }
const enum Chunk { Size, SizeRest, Data, DataCr, DataLf, LineStart, TrailerRest, FinalLf, Done }

export class ResponseReader {
  status = 0;
  /** [name, value, …] of the final (non-1xx) head. */
  raw: string[] = [];
  /** The upstream connection can carry another request after this response. */
  reusable = true;
  private framing = Framing.None;
  private remaining = 0;
  private chunk = Chunk.Size;
  private size = 0;
  private sizeDigits = 0;
  private pending: Buffer | null = null;
  /** The last final head was read by passHead (into `passedHead`), not parsed into `raw`. */
  passed = false;
  readonly passedHead = new PassedHead();

  reset(): void {
    this.status = 0;
    this.reusable = true;
    this.framing = Framing.None;
    this.pending = null;
  }

  /**
   * Feeds bytes until a final head is read. Returns where its body starts in the returned
   * buffer (see `buffer`), HEAD_INCOMPLETE or HEAD_INVALID. `pass`: the head may go on as
   * its bytes, less the lines named in `drop` (lower-case names; plugins' changes).
   */
  head(chunk: Buffer, method: string, pass: boolean, drop: ReadonlyMap<string, unknown> | null = null): number {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    for (;;) {
      const end = buf.indexOf(CRLFCRLF);
      if (end === -1) {
        if (buf.length > MAX_RESPONSE_HEAD) return HEAD_INVALID;
        this.pending = buf;
        return HEAD_INCOMPLETE;
      }
      if (pass && method !== 'HEAD' && passHead(buf, end, this.passedHead, drop)) {
        const h = this.passedHead;
        this.passed = true;
        this.status = h.status;
        this.reusable = !h.close;
        this.framing = Framing.Length;
        this.remaining = h.length;
        this.buffer = buf;
        return end + 4;
      }
      this.passed = false;
      const r = this.parse(buf.toString('latin1', 0, end + 2), method);
      if (r < 0) return HEAD_INVALID;
      if (r === 0) {
        // An interim response: dropped, the final one follows.
        buf = buf.subarray(end + 4);
        if (buf.length === 0) return HEAD_INCOMPLETE;
        continue;
      }
      this.buffer = buf;
      return end + 4;
    }
  }

  /** The buffer the offset head() returned refers to. */
  buffer: Buffer = CRLFCRLF;

  /** 1: a final head; 0: a 1xx; -1: malformed. */
  private parse(s: string, method: string): number {
    const eol = s.indexOf('\r\n');
    if (!s.startsWith('HTTP/1.') || s.charCodeAt(8) !== 32) return -1;
    const minor = s.charCodeAt(7) - 48;
    if (minor !== 0 && minor !== 1) return -1;
    const status = Number(s.slice(9, 12));
    if (!(status >= 100 && status <= 999) || (eol > 12 && s.charCodeAt(12) !== 32)) return -1;
    if (status < 200) {
      // 101 to a request that asked no upgrade cannot be relayed.
      return status === 101 ? -1 : 0;
    }
    // A new list, not this one emptied: emptying an array in place is a runtime call.
    const raw: string[] = [];
    this.raw = raw;
    let length = -1;
    let chunked = false;
    let close = minor === 0;
    let pos = eol + 2;
    HEADER_LINES.lastIndex = pos;
    if (!HEADER_LINES.test(s)) return -1;
    while (pos < s.length) {
      const e = s.indexOf('\r\n', pos);
      const colon = s.indexOf(':', pos);
      const name = s.slice(pos, colon);
      let vs = colon + 1;
      let ve = e;
      while (vs < ve && (s.charCodeAt(vs) === 32 || s.charCodeAt(vs) === 9)) vs++;
      while (ve > vs && (s.charCodeAt(ve - 1) === 32 || s.charCodeAt(ve - 1) === 9)) ve--;
      const value = s.slice(vs, ve);
      // Only three names matter here, and only their lengths need a look at the others.
      const len = name.length;
      if (len === 14 || len === 17 || len === 10) {
        const lower = name.toLowerCase();
        if (lower === 'content-length') {
          if (!/^\d{1,15}$/.test(value) || (length !== -1 && length !== Number(value))) return -1;
          length = Number(value);
        } else if (lower === 'transfer-encoding') {
          chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
          if (!chunked) return -1;
        } else if (lower === 'connection') {
          const v = value.toLowerCase();
          if (v.includes('close')) close = true;
          else if (minor === 0 && v.includes('keep-alive')) close = false;
        }
      }
      raw.push(name, value);
      pos = e + 2;
    }
    this.status = status;
    this.reusable = !close;
    if (method === 'HEAD' || status === 204 || status === 304) this.framing = Framing.None;
    else if (chunked) {
      this.framing = Framing.Chunked;
      this.chunk = Chunk.Size;
      this.size = 0;
      this.sizeDigits = 0;
    } else if (length >= 0) {
      this.framing = Framing.Length;
      this.remaining = length;
    } else {
      this.framing = Framing.Close;
      this.reusable = false;
    }
    if (chunked && length >= 0) return -1;
    return 1;
  }

  /** True when the response has no body at all. */
  get empty(): boolean {
    return this.framing === Framing.None || (this.framing === Framing.Length && this.remaining === 0);
  }

  /**
   * Body bytes from `buf` at `from`: the decoded pieces go into `out`. Returns 1 when the
   * body is complete, 0 when more is due, -1 on a framing error. Bytes past the end make the
   * upstream connection unusable for another request.
   */
  body(buf: Buffer, from: number, out: Buffer[]): number {
    switch (this.framing) {
      case Framing.None:
        if (from < buf.length) this.reusable = false;
        return 1;
      case Framing.Length: {
        const n = buf.length - from;
        if (n === 0) return this.remaining === 0 ? 1 : 0;
        if (n <= this.remaining) {
          out.push(from === 0 ? buf : buf.subarray(from));
          this.remaining -= n;
        } else {
          if (this.remaining > 0) out.push(buf.subarray(from, from + this.remaining));
          this.remaining = 0;
          this.reusable = false;
        }
        return this.remaining === 0 ? 1 : 0;
      }
      case Framing.Close:
        if (from < buf.length) out.push(from === 0 ? buf : buf.subarray(from));
        return 0;
      default:
        return this.chunks(buf, from, out);
    }
  }

  /** Whether the body ends with the connection (so a close completes it). */
  get closeDelimited(): boolean {
    return this.framing === Framing.Close;
  }

  private chunks(buf: Buffer, i: number, out: Buffer[]): number {
    const len = buf.length;
    while (i < len) {
      const c = buf[i]!;
      switch (this.chunk) {
        case Chunk.Size: {
          const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
          if (d >= 0) {
            if (++this.sizeDigits > 12) return -1;
            this.size = this.size * 16 + d;
            i++;
            continue;
          }
          if (this.sizeDigits === 0) return -1;
          this.chunk = Chunk.SizeRest;
          continue;
        }
        case Chunk.SizeRest:
          // Chunk extensions are dropped, as undici does.
          i++;
          if (c === 10) {
            if (this.size === 0) this.chunk = Chunk.LineStart;
            else {
              this.remaining = this.size;
              this.chunk = Chunk.Data;
            }
          }
          continue;
        case Chunk.Data: {
          const take = Math.min(this.remaining, len - i);
          out.push(buf.subarray(i, i + take));
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.chunk = Chunk.DataCr;
          continue;
        }
        case Chunk.DataCr:
          if (c !== 13) return -1;
          this.chunk = Chunk.DataLf;
          i++;
          continue;
        case Chunk.DataLf:
          if (c !== 10) return -1;
          this.chunk = Chunk.Size;
          this.size = 0;
          this.sizeDigits = 0;
          i++;
          continue;
        case Chunk.LineStart:
          // Trailers are not forwarded (undici hands them over after the body; the proxy drops them).
          i++;
          if (c === 13) this.chunk = Chunk.FinalLf;
          else if (c === 10) return this.finish(buf, i);
          else this.chunk = Chunk.TrailerRest;
          continue;
        case Chunk.TrailerRest:
          i++;
          if (c === 10) this.chunk = Chunk.LineStart;
          continue;
        case Chunk.FinalLf:
          if (c !== 10) return -1;
          return this.finish(buf, i + 1);
        default:
          return -1;
      }
    }
    return 0;
  }

  private finish(buf: Buffer, i: number): number {
    this.chunk = Chunk.Done;
    if (i < buf.length) this.reusable = false;
    return 1;
  }
}
