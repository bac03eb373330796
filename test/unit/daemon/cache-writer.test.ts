// Deltas are cached as one record per second at most; a whole configuration replaces what was
// pending; closing writes what is pending. Against the real LMDB cache.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { open } from 'lmdb';
import { openConfigCache } from '../../../src/cache/index.js';
import { CacheWriter } from '../../../src/daemon/cache-writer.js';
import { DeltaTable } from '../../../src/entities/delta-table.js';
import type { TableChange } from '../../../src/entities/table-change.js';
import { createLogger } from '../../../src/log.js';
import { tempDir } from '../../helpers/cli.js';

const log = createLogger({ level: 'warn', write: () => undefined });
const BASE = { _format_version: '3.0', routes: [{ id: 'r1', paths: ['/a'] }] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function records(prefix: string): number {
  const db = open({ path: join(prefix, 'dbless.lmdb'), encoding: 'binary', readOnly: true, noSubdir: false });
  try {
    return [...db.getKeys({ start: 'delta:', end: 'delta:~' })].length;
  } finally {
    void db.close();
  }
}

describe('cache writer', () => {
  it('gathers the changes of a burst into one record, written after the delay', async () => {
    const prefix = tempDir();
    const cache = openConfigCache({ prefix, mode: 'unencrypted', log });
    const writer = new CacheWriter(() => cache, 100);
    await writer.whole(BASE, 'a'.repeat(32), 'v02_1');
    const index = new DeltaTable(BASE);
    let table: Record<string, unknown> = BASE;
    for (let i = 2; i <= 6; i++) {
      const changes: TableChange[] = [{ type: 'routes', row: { id: `r${i}`, paths: [`/${i}`] }, pk: { id: `r${i}` } }];
      table = index.patch(changes);
      writer.changes(table, changes, `v02_${i}`);
    }
    expect(records(prefix)).toBe(0);
    await sleep(300);
    expect(records(prefix)).toBe(1);
    await cache.close();
    const again = openConfigCache({ prefix, mode: 'unencrypted', log });
    expect(again.load()).toEqual({ configTable: table, hash: null, syncVersion: 'v02_6' });
    await again.close();
  });

  it('drops pending changes a whole configuration includes, and flushes on close', async () => {
    const prefix = tempDir();
    const cache = openConfigCache({ prefix, mode: 'unencrypted', log });
    const writer = new CacheWriter(() => cache, 60_000);
    await writer.whole(BASE, 'a'.repeat(32), 'v02_1');
    const index = new DeltaTable(BASE);
    const first: TableChange[] = [{ type: 'routes', row: null, pk: { id: 'r1' } }];
    writer.changes(index.patch(first), first, 'v02_2');
    const whole = { _format_version: '3.0', routes: [{ id: 'r9', paths: ['/z'] }] };
    await writer.whole(whole, 'b'.repeat(32), 'v02_3');
    await sleep(50);
    expect(records(prefix)).toBe(0);
    const next: TableChange[] = [{ type: 'routes', row: { id: 'r10', paths: ['/y'] }, pk: { id: 'r10' } }];
    const table = new DeltaTable(whole).patch(next);
    writer.changes(table, next, 'v02_4');
    await writer.flush();
    await cache.close();
    const again = openConfigCache({ prefix, mode: 'unencrypted', log });
    expect(again.load()).toEqual({ configTable: table, hash: null, syncVersion: 'v02_4' });
    await again.close();
  });
});
