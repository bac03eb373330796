// Snappy's raw block format, checked against libsnappy itself (what Kong's resty.snappy wraps) when
// it is installed, and against hand-made streams for every element kind and every broken one.
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SnappyError, SnappyPrefix, snappyCompress, snappyLength, snappyUncompress } from '../../../src/cluster/protocol/snappy.js';

// The libsnappy C API, called the way lua-resty-snappy calls it (snappy_compress / snappy_uncompress),
// on many files in one run: argv is mode, input, output, mode, input, output, ...
const ORACLE = String.raw`
import ctypes, sys
lib = ctypes.CDLL('libsnappy.so.1')
args = sys.argv[1:]
for i in range(0, len(args), 3):
    mode, src, dst = args[i:i + 3]
    data = open(src, 'rb').read()
    if mode == 'c':
        n = lib.snappy_max_compressed_length(ctypes.c_size_t(len(data)))
        out = ctypes.create_string_buffer(n); size = ctypes.c_size_t(n)
        assert lib.snappy_compress(data, ctypes.c_size_t(len(data)), out, ctypes.byref(size)) == 0
    else:
        size = ctypes.c_size_t(0)
        assert lib.snappy_uncompressed_length(data, ctypes.c_size_t(len(data)), ctypes.byref(size)) == 0
        out = ctypes.create_string_buffer(max(size.value, 1))
        assert lib.snappy_uncompress(data, ctypes.c_size_t(len(data)), out, ctypes.byref(size)) == 0
    open(dst, 'wb').write(out.raw[:size.value])
`;

function oracleAvailable(): boolean {
  try {
    execFileSync('python3', ['-c', "import ctypes; ctypes.CDLL('libsnappy.so.1')"], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs libsnappy over every job at once (one interpreter start) and returns the outputs in order. */
function libsnappy(jobs: ['c' | 'u', Buffer][]): Buffer[] {
  const dir = mkdtempSync(join(tmpdir(), 'snappy-'));
  const script = join(dir, 'oracle.py');
  writeFileSync(script, ORACLE);
  const args = jobs.flatMap(([mode, input], i) => {
    writeFileSync(join(dir, `in${i}`), input);
    return [mode, join(dir, `in${i}`), join(dir, `out${i}`)];
  });
  execFileSync('python3', [script, ...args]);
  return jobs.map((_, i) => readFileSync(join(dir, `out${i}`)));
}

const json = Buffer.from(JSON.stringify(Array.from({ length: 3000 }, (_, i) => ({ id: `0855b320-0dd2-547d-891d-${String(i).padStart(12, '0')}`, name: `svc-${i % 37}`, host: 'example.test', port: 80, tags: null }))));
const SAMPLES: [string, Buffer][] = [
  ['empty', Buffer.alloc(0)],
  ['one byte', Buffer.from('a')],
  ['short text', Buffer.from('hello hello hello hello')],
  ['a long run (overlapping copies)', Buffer.alloc(200_000, 'x')],
  ['random (literals only)', randomBytes(70_000)],
  ['JSON over several 64 KiB blocks', json],
];

describe('snappy', () => {
  it.each(SAMPLES)('round-trips %s', (_name, input) => {
    expect(snappyUncompress(snappyCompress(input)).equals(input)).toBe(true);
  });

  it('compresses what repeats (a config export shrinks several times)', () => {
    expect(snappyCompress(json).length).toBeLessThan(json.length / 4);
  });

  describe.skipIf(!oracleAvailable())('against libsnappy (Kong\'s resty.snappy)', () => {
    const tails = [',"id":0}', ',"id":12345}'];
    const prefix = new SnappyPrefix(json);
    let ours: Buffer[] = [];
    let theirs: Buffer[] = [];
    let prefixed: Buffer[] = [];
    beforeAll(() => {
      const out = libsnappy([
        ...SAMPLES.map(([, input]) => ['u', snappyCompress(input)] as ['u', Buffer]),
        ...SAMPLES.map(([, input]) => ['c', input] as ['c', Buffer]),
        ...tails.map((t) => ['u', prefix.withTail(Buffer.from(t))] as ['u', Buffer]),
      ]);
      ours = out.slice(0, SAMPLES.length);
      theirs = out.slice(SAMPLES.length, 2 * SAMPLES.length);
      prefixed = out.slice(2 * SAMPLES.length);
    });
    it.each(SAMPLES.map((s, i) => [s[0], i] as const))('libsnappy reads what we write: %s', (_name, i) => {
      expect(ours[i]!.equals(SAMPLES[i]![1])).toBe(true);
    });
    it.each(SAMPLES.map((s, i) => [s[0], i] as const))('we read what libsnappy writes: %s', (_name, i) => {
      expect(snappyUncompress(theirs[i]!).equals(SAMPLES[i]![1])).toBe(true);
    });
    it('libsnappy reads a shared prefix with different tails', () => {
      expect(prefixed.map((b) => b.toString())).toEqual(tails.map((t) => json.toString() + t));
    });
  });

  it('decodes each element kind written by hand', () => {
    // length 11; literal "abcd"; copy-1 (len 4, offset 4); copy-2 (len 3, offset 2)
    const stream = Buffer.from([11, 0x0c, 0x61, 0x62, 0x63, 0x64, 0x01, 0x04, 0x0a, 0x02, 0x00]);
    expect(snappyUncompress(stream).toString()).toBe('abcdabcdcdc');
    // copy-4 form (len 2, offset 1) after a one-byte literal
    expect(snappyUncompress(Buffer.from([3, 0x00, 0x7a, 0x07, 0x01, 0x00, 0x00, 0x00])).toString()).toBe('zzz');
    // a literal with a one-byte length (61 bytes)
    const lit = Buffer.concat([Buffer.from([61, 60 << 2, 60]), Buffer.alloc(61, 'q')]);
    expect(snappyUncompress(lit).toString()).toBe('q'.repeat(61));
  });

  it.each([
    ['a copy before anything was written', Buffer.from([4, 0x01, 0x01]), /copy offset 1 outside the 0 bytes written/],
    ['a zero offset', Buffer.from([5, 0x00, 0x61, 0x01, 0x00]), /copy offset 0/],
    ['a literal past the input', Buffer.from([4, 0x0c, 0x61]), /literal runs past the end of the input/],
    ['more output than announced', Buffer.from([1, 0x04, 0x61, 0x62]), /past the announced length/],
    ['less output than announced', Buffer.from([3, 0x00, 0x61]), /decoded 1 bytes, the header announced 3/],
    ['a truncated length header', Buffer.from([0x80]), /truncated length header/],
    ['a truncated copy', Buffer.from([4, 0x00, 0x61, 0x02, 0x01]), /truncated copy/],
  ])('refuses %s', (_name, stream, message) => {
    expect(() => snappyUncompress(stream)).toThrow(SnappyError);
    expect(() => snappyUncompress(stream)).toThrow(message);
  });

  it('refuses a stream announcing more than the limit before allocating it', () => {
    const bomb = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(snappyLength(bomb).length).toBe(0xffffffff);
    expect(() => snappyUncompress(bomb, 1024)).toThrow(/announces 4294967295 bytes, more than the 1024 allowed/);
  });

  it('a shared prefix gives the same bytes as compressing prefix and tail apart', () => {
    const p = new SnappyPrefix(json);
    const frame = p.withTail(Buffer.from(',"id":7}'));
    expect(snappyUncompress(frame).toString()).toBe(`${json.toString()},"id":7}`);
    expect(p.size).toBeLessThan(json.length / 4);
  });
});
