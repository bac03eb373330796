// The safe open's checks against real lmdb-js files: healthy environments after real workloads
// pass, and every kind of damage that makes LMDB die (SIGBUS, SIGSEGV) is named before it maps.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, openSync, closeSync, readFileSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { open } from 'lmdb';
import { lmdbDataFileProblem } from '../../../src/util/lmdb-check.js';
import { inspectLmdbDir } from '../../../src/util/lmdb-safe.js';
import { tempDir } from '../../helpers/cli.js';

const ROOT = resolve(__dirname, '../../..');

/** An lmdb-js environment after a workload with overflow values, deletes and rewrites. */
async function makeEnv(dir: string, records = 300, seed = 1): Promise<void> {
  const db = open<Buffer, string>({ path: dir, noSubdir: false, encoding: 'binary', compression: false });
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
  // A dozen commits (each one an fsync) with overflow values, rewrites and deletes between them.
  for (let t = 0; t < 12; t++) {
    db.transactionSync(() => {
      for (let i = t; i < records; i += 12) db.putSync(`k${i % 120}`, Buffer.alloc(rnd() % 9000, i));
      for (let i = 0; i < 4; i++) db.removeSync(`k${rnd() % 120}`);
    });
  }
  await db.put('last', Buffer.from('x'));
  await db.close();
}

function overwritePages(file: string, from: number, bytes: () => Buffer, psize = 4096): void {
  const pages = statSync(file).size / psize;
  const fd = openSync(file, 'r+');
  for (let p = from; p < pages; p++) writeSync(fd, bytes(), 0, psize, p * psize);
  closeSync(fd);
}

/** Opens the environment in a child and reads every record: the child's fate if LMDB were given it. */
function openInChild(dirs: string[]): { status: number | null; signal: string | null; out: string } {
  const script = `import { open } from 'lmdb';
for (const dir of process.argv.slice(1)) {
  const db = open({ path: dir, noSubdir: false, encoding: 'binary', compression: false });
  let n = 0; for (const { value } of db.getRange({})) n += value.length;
  db.putSync('probe', Buffer.alloc(5000, 1));
  db.close();
}
console.log('ok');`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, ...dirs], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, signal: r.signal, out: r.stdout + r.stderr };
}

describe('lmdb file checks', () => {
  it('pass healthy environments after real workloads, and LMDB opens them', async () => {
    const dirs: string[] = [];
    for (const records of [0, 1, 50, 400]) {
      const dir = join(tempDir(), 'env');
      await makeEnv(dir, records, records + 7);
      expect(lmdbDataFileProblem(join(dir, 'data.mdb')), `records=${records}`).toBeNull();
      expect(inspectLmdbDir(dir)).toEqual({ kind: 'ok' });
      dirs.push(dir);
    }
    expect(openInChild(dirs)).toMatchObject({ status: 0, signal: null });
  });

  it('name a data file truncated after its meta pages, or anywhere short of its last page', async () => {
    const dir = join(tempDir(), 'env');
    await makeEnv(dir);
    const file = join(dir, 'data.mdb');
    const size = statSync(file).size;
    truncateSync(file, size - 4096);
    expect(lmdbDataFileProblem(file)).toMatch(/^is truncated: \d+ bytes, but its meta page \d uses \d+ pages of 4096/);
    truncateSync(file, 8192);
    expect(lmdbDataFileProblem(file)).toMatch(/^is truncated/);
    truncateSync(file, 100);
    expect(lmdbDataFileProblem(file)).toMatch(/^is truncated \(100 bytes/);
    truncateSync(file, 0);
    expect(lmdbDataFileProblem(file)).toBe('is empty (0 bytes)');
  });

  it('name random bytes in the data pages, which make LMDB die with SIGSEGV', async () => {
    const dir = join(tempDir(), 'env');
    await makeEnv(dir);
    overwritePages(join(dir, 'data.mdb'), 2, () => randomBytes(4096));
    expect(lmdbDataFileProblem(join(dir, 'data.mdb'))).toMatch(/damaged|past its last page|used twice/);
  });

  it('name meta pages that are not LMDB, another data format, or an impossible page size', async () => {
    const dir = join(tempDir(), 'env');
    await makeEnv(dir, 5);
    const file = join(dir, 'data.mdb');
    const good = readFileSync(file);
    const patched = (off: number, bytes: number[]) => {
      const b = Buffer.from(good);
      bytes.forEach((v, i) => (b[off + i] = v));
      writeFileSync(file, b);
      return lmdbDataFileProblem(file);
    };
    expect(patched(24, [0, 0, 0, 0])).toMatch(/not an LMDB file \(meta page 0 has no LMDB magic/);
    expect(patched(4096 + 24, [1, 2, 3, 4])).toMatch(/not an LMDB file \(meta page 1/);
    expect(patched(28, [1, 0])).toMatch(/data format 1; this build reads format 2/);
    expect(patched(48, [0, 3, 0, 0])).toMatch(/impossible page size 768/);
    expect(patched(18, [0, 0])).toMatch(/no meta page header/);
    writeFileSync(file, Buffer.alloc(8192, 0x5a));
    expect(lmdbDataFileProblem(file)).toMatch(/not an LMDB file/);
    expect(lmdbDataFileProblem(join(dir, 'missing.mdb'))).toMatch(/^cannot be read \(ENOENT/);
    expect(lmdbDataFileProblem(dir)).toBe('is not a regular file');
  });

  it('tell a first start, an empty directory, a file in the way and a directory of the wrong kind apart', () => {
    const base = tempDir();
    expect(inspectLmdbDir(join(base, 'none'))).toEqual({ kind: 'absent' });
    mkdirSync(join(base, 'empty'));
    expect(inspectLmdbDir(join(base, 'empty'))).toEqual({ kind: 'empty' });
    writeFileSync(join(base, 'file'), 'x');
    expect(inspectLmdbDir(join(base, 'file'))).toMatchObject({ kind: 'damaged', file: join(base, 'file'), reason: 'is a file, not an LMDB directory' });
    mkdirSync(join(base, 'other'));
    writeFileSync(join(base, 'other', 'notes.txt'), 'x');
    expect(inspectLmdbDir(join(base, 'other'))).toMatchObject({ kind: 'damaged', reason: 'is not an LMDB directory (no data.mdb; holds notes.txt)' });
    mkdirSync(join(base, 'zero'));
    writeFileSync(join(base, 'zero', 'data.mdb'), '');
    expect(inspectLmdbDir(join(base, 'zero'))).toMatchObject({ kind: 'damaged', file: join(base, 'zero', 'data.mdb'), empty: true });
  });

  it('whatever bytes one data page holds, the check never throws, and what it passes LMDB opens without a signal', async () => {
    const src = join(tempDir(), 'env');
    await makeEnv(src, 200, 3);
    const pages = statSync(join(src, 'data.mdb')).size / 4096;
    const passed: string[] = [];
    let n = 0;
    fc.assert(
      fc.property(fc.integer({ min: 2, max: pages - 1 }), fc.integer({ min: 0, max: 4095 }), fc.uint8Array({ minLength: 1, maxLength: 64 }), (page, off, bytes) => {
        const dir = join(tempDir(), `case-${n++}`);
        cpSync(src, dir, { recursive: true });
        const fd = openSync(join(dir, 'data.mdb'), 'r+');
        writeSync(fd, bytes, 0, Math.min(bytes.length, 4096 - off), page * 4096 + off);
        closeSync(fd);
        const problem = lmdbDataFileProblem(join(dir, 'data.mdb'));
        expect(problem === null || typeof problem === 'string').toBe(true);
        if (problem === null) passed.push(dir);
      }),
      { numRuns: 60, seed: 20261201 },
    );
    // A damaged key or value is LMDB's business to return; a crash is ours to prevent.
    expect(passed.length).toBeGreaterThan(5);
    const r = openInChild(passed);
    expect(r.signal, r.out).toBeNull();
  });
});
