// Snappy's raw block format (format_description.txt in google/snappy): a varint length, then
// literals and back-references. Kong's RPC frames are this, whatever "x-snappy-framed" says:
// rpc/utils.lua calls resty.snappy, which wraps libsnappy's snappy_compress/snappy_uncompress.
// The compressor is greedy over 64 KiB blocks with a 4-byte hash, as the reference one is.

/** A snappy stream that breaks the format; `message` says where. */
export class SnappyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnappyError';
  }
}

const BLOCK = 1 << 16;
const HASH_BITS = 14;
const MIN_MATCH = 4;
/** Inputs shorter than this are one literal: nothing to match against. */
const MIN_COMPRESS = 15;

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** Writes elements into a growing buffer. */
class Sink {
  buf: Buffer;
  len = 0;
  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(capacity);
  }
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  bytes(b: number[]): void {
    this.room(b.length);
    for (const x of b) this.buf[this.len++] = x;
  }
  literal(src: Buffer, start: number, end: number): void {
    let n = end - start;
    while (n > 0) {
      // A literal's length fits in four bytes; split only absurdly long ones.
      const take = Math.min(n, 0xffffffff);
      const m = take - 1;
      this.room(5 + take);
      if (m < 60) this.buf[this.len++] = m << 2;
      else {
        const width = m < 0x100 ? 1 : m < 0x10000 ? 2 : m < 0x1000000 ? 3 : 4;
        this.buf[this.len++] = (59 + width) << 2;
        for (let i = 0; i < width; i++) this.buf[this.len++] = (m >>> (8 * i)) & 0xff;
      }
      src.copy(this.buf, this.len, start, start + take);
      this.len += take;
      start += take;
      n -= take;
    }
  }
  copy(offset: number, length: number): void {
    this.room(8 + Math.ceil(length / 64) * 3);
    while (length > 0) {
      // Copies of 4..11 bytes within 2 KiB take the one-byte-offset form; the rest are at most 64 long.
      if (length >= 4 && length <= 11 && offset < 2048) {
        this.buf[this.len++] = 0x01 | ((length - 4) << 2) | ((offset >>> 8) << 5);
        this.buf[this.len++] = offset & 0xff;
        return;
      }
      // The two-byte-offset form takes any length from 1 to 64.
      const take = Math.min(length, 64);
      this.buf[this.len++] = 0x02 | ((take - 1) << 2);
      this.buf[this.len++] = offset & 0xff;
      this.buf[this.len++] = (offset >>> 8) & 0xff;
      length -= take;
    }
  }
}

function compressBlock(src: Buffer, start: number, end: number, sink: Sink, table: Int32Array): void {
  if (end - start < MIN_COMPRESS) return sink.literal(src, start, end);
  table.fill(-1);
  const hash = (i: number) => Math.imul(src.readUInt32LE(i), 0x1e35a7bd) >>> (32 - HASH_BITS);
  let pending = start;
  let i = start;
  const last = end - MIN_MATCH;
  while (i <= last) {
    const h = hash(i);
    const candidate = table[h]!;
    table[h] = i;
    if (candidate >= start && src.readUInt32LE(candidate) === src.readUInt32LE(i)) {
      if (pending < i) sink.literal(src, pending, i);
      let len = MIN_MATCH;
      while (i + len < end && src[candidate + len] === src[i + len]) len++;
      sink.copy(i - candidate, len);
      i += len;
      pending = i;
      // Index the position just before the next search so runs keep matching.
      if (i - 1 <= last) table[hash(i - 1)] = i - 1;
    } else i++;
  }
  if (pending < end) sink.literal(src, pending, end);
}

/** Elements only (no length header), for `compress` and `SnappyPrefix`. */
function elements(input: Buffer): Sink {
  const sink = new Sink(Math.max(64, Math.ceil(input.length * 1.1) + 32));
  const table = new Int32Array(1 << HASH_BITS);
  for (let at = 0; at < input.length; at += BLOCK) compressBlock(input, at, Math.min(at + BLOCK, input.length), sink, table);
  return sink;
}

export function snappyCompress(input: Buffer): Buffer {
  const body = elements(input);
  return Buffer.concat([Buffer.from(varint(input.length)), body.buf.subarray(0, body.len)]);
}

/**
 * One compressed start shared by many outputs that end differently: the elements of `prefix` are
 * computed once, and each `withTail` only adds the tail as a literal and a new length header
 * (back-references stay valid: they point into the same prefix bytes).
 */
export class SnappyPrefix {
  readonly length: number;
  private readonly body: Buffer;
  constructor(prefix: Buffer) {
    const sink = elements(prefix);
    this.length = prefix.length;
    this.body = Buffer.from(sink.buf.subarray(0, sink.len));
  }
  withTail(tail: Buffer): Buffer {
    const lit = new Sink(tail.length + 8);
    lit.literal(tail, 0, tail.length);
    return Buffer.concat([Buffer.from(varint(this.length + tail.length)), this.body, lit.buf.subarray(0, lit.len)]);
  }
  /** Bytes this prefix keeps in memory. */
  get size(): number {
    return this.body.length;
  }
}

/** The length a stream announces, or throws; lets a caller refuse a bomb before allocating. */
export function snappyLength(input: Buffer): { length: number; headerBytes: number } {
  let n = 0;
  for (let i = 0, shift = 1; i < 5 && i < input.length; i++, shift *= 128) {
    const b = input[i]!;
    n += (b & 0x7f) * shift;
    if (b < 0x80) {
      if (n > 0xffffffff) throw new SnappyError('length header beyond 32 bits');
      return { length: n, headerBytes: i + 1 };
    }
  }
  throw new SnappyError('truncated length header');
}

export function snappyUncompress(input: Buffer, maxLength: number = 0xffffffff): Buffer {
  const { length, headerBytes } = snappyLength(input);
  if (length > maxLength) throw new SnappyError(`announces ${length} bytes, more than the ${maxLength} allowed`);
  const out = Buffer.allocUnsafe(length);
  let o = 0;
  let i = headerBytes;
  while (i < input.length) {
    const tag = input[i++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let m = tag >>> 2;
      if (m >= 60) {
        const width = m - 59;
        if (i + width > input.length) throw new SnappyError('truncated literal length');
        m = 0;
        for (let k = 0; k < width; k++) m += input[i + k]! * 2 ** (8 * k);
        i += width;
      }
      const n = m + 1;
      if (i + n > input.length) throw new SnappyError('literal runs past the end of the input');
      if (o + n > length) throw new SnappyError('literal runs past the announced length');
      if (n < 32) for (let k = 0; k < n; k++) out[o + k] = input[i + k]!;
      else input.copy(out, o, i, i + n);
      i += n;
      o += n;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (i + 1 > input.length) throw new SnappyError('truncated copy');
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | input[i++]!;
    } else {
      const width = kind === 2 ? 2 : 4;
      if (i + width > input.length) throw new SnappyError('truncated copy');
      len = (tag >>> 2) + 1;
      offset = width === 2 ? input.readUInt16LE(i) : input.readUInt32LE(i);
      i += width;
    }
    if (offset === 0 || offset > o) throw new SnappyError(`copy offset ${offset} outside the ${o} bytes written`);
    if (o + len > length) throw new SnappyError('copy runs past the announced length');
    // Byte by byte: copies are at most 64 long, and overlapping ones repeat the last `offset` bytes.
    for (let k = 0, from = o - offset; k < len; k++) out[o + k] = out[from + k]!;
    o += len;
  }
  if (o !== length) throw new SnappyError(`decoded ${o} bytes, the header announced ${length}`);
  return out;
}
