// The config cache when its path holds the wrong thing or its writes fail: one line, moved aside
// once, cached from then on; a failed write never rejects.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openConfigCache } from '../../../src/cache/index.js';
import { createLogger } from '../../../src/log.js';
import { inspectLmdbDir } from '../../../src/util/lmdb-safe.js';
import { tempDir } from '../../helpers/cli.js';

function logger() {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: 'debug', write: (l) => lines.push(l) }) };
}
const TABLE = { _format_version: '3.0', services: [{ id: 's1', name: 'svc', host: 'up.internal' }] };

describe('config cache hardening', () => {
  for (const [what, make] of [
    ['a plain file', (p: string) => writeFileSync(p, 'not a cache')],
    ['a directory of another kind', (p: string) => (mkdirSync(p), writeFileSync(join(p, 'kong.yml'), 'x'))],
    ['a data.mdb that is a directory', (p: string) => mkdirSync(join(p, 'data.mdb'), { recursive: true })],
  ] as const) {
    it(`moves ${what} at <prefix>/dbless.lmdb aside once, with one line, and caches from then on`, async () => {
      const prefix = tempDir();
      const dir = join(prefix, 'dbless.lmdb');
      make(dir);
      const { log, lines } = logger();
      const c = openConfigCache({ prefix, mode: 'unencrypted', log });
      expect(c.load()).toBeNull();
      for (let i = 0; i < 3; i++) expect(await c.save(TABLE, String(i).repeat(32))).toBe(true);
      expect(c.load()?.hash).toBe('2'.repeat(32));
      await c.close();
      expect(lines.filter((l) => /config cache is damaged/.test(l))).toHaveLength(1);
      expect(lines.join('\n')).not.toMatch(/not cached/);
      expect(readdirSync(prefix).filter((f) => f.startsWith('dbless.lmdb.corrupt-'))).toHaveLength(1);
      expect(inspectLmdbDir(dir)).toEqual({ kind: 'ok' });
    });
  }

  it('starts a zero-length data file over without moving anything', async () => {
    const prefix = tempDir();
    mkdirSync(join(prefix, 'dbless.lmdb'));
    writeFileSync(join(prefix, 'dbless.lmdb', 'data.mdb'), '');
    const { log, lines } = logger();
    const c = openConfigCache({ prefix, mode: 'unencrypted', log });
    expect(c.load()).toBeNull();
    expect(await c.save(TABLE, 'a'.repeat(32))).toBe(true);
    await c.close();
    expect(lines).toEqual([]);
    expect(statSync(join(prefix, 'dbless.lmdb', 'data.mdb')).size).toBeGreaterThan(0);
  });

  it('on a full disk a save resolves false and logs one line until it is written again', async () => {
    if (process.getuid?.() !== 0) return; // mount needs root (CI runs as root)
    const prefix = tempDir();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=320k', 'tmpfs', prefix]);
    try {
      const { log, lines } = logger();
      const c = openConfigCache({ prefix, mode: 'unencrypted', log });
      expect(await c.save(TABLE, 'a'.repeat(32))).toBe(true);
      try {
        writeFileSync(join(prefix, 'filler'), Buffer.alloc(1024 * 1024));
      } catch {
        // ENOSPC: the disk is full now, as intended
      }
      const big = { ...TABLE, services: Array.from({ length: 400 }, (_, i) => ({ id: `s${i}`, name: `svc-${i}`, host: 'h'.repeat(200) })) };
      for (let i = 0; i < 5; i++) expect(await c.save(big, 'b'.repeat(32))).toBe(false);
      const warned = lines.filter((l) => /not cached/.test(l));
      expect(warned).toHaveLength(1);
      expect(warned[0]).toMatch(/disk is full/);
      expect(c.load()?.hash).toBe('a'.repeat(32));
      rmSync(join(prefix, 'filler'));
      expect(await c.save({ ...TABLE, routes: [] }, 'c'.repeat(32))).toBe(true);
      expect(lines.filter((l) => /written again/.test(l))).toHaveLength(1);
      await c.close();
    } finally {
      execFileSync('umount', ['-l', prefix]);
    }
  });
});
