// An incremental sync caches each change as a record of its own; a restart replays them onto the
// cached table, so it serves exactly what was served before it, without the table being rewritten
// per change.
import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { openConfigCache } from '../../../src/cache/index.js';
import { DeltaTable } from '../../../src/entities/delta-table.js';
import type { TableChange } from '../../../src/entities/table-change.js';
import { createLogger } from '../../../src/log.js';
import { tempDir } from '../../helpers/cli.js';
import { open } from 'lmdb';
import { join } from 'node:path';

function logger() {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: 'debug', write: (l) => lines.push(l) }) };
}
const keyPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const route = (n: number, path = `/r${n}`) => ({ id: `r${n}`, name: `r${n}`, paths: [path] });
const BASE = { _format_version: '3.0', services: [{ id: 's1', host: 'up.internal' }], routes: [route(1), route(2), route(3)] };

/** Change records in the cache directory (the table's own record excluded). */
function records(prefix: string): string[] {
  const db = open({ path: join(prefix, 'dbless.lmdb'), encoding: 'binary', readOnly: true, noSubdir: false });
  try {
    return [...db.getKeys({ start: 'delta:', end: 'delta:~' })].map(String);
  } finally {
    void db.close();
  }
}

describe('config cache with change records', () => {
  for (const mode of ['unencrypted', 'encrypted'] as const) {
    it(`replays creates, updates and deletes onto the cached table after a restart (${mode})`, async () => {
      const prefix = tempDir();
      const { log } = logger();
      const a = openConfigCache({ prefix, mode, keyPem, log });
      expect(await a.save(BASE, 'a'.repeat(32), 'v02_1')).toBe(true);
      const batches: TableChange[][] = [
        [{ type: 'routes', row: route(2, '/changed'), pk: { id: 'r2' } }],
        [{ type: 'routes', row: null, pk: { id: 'r1' } }, { type: 'routes', row: route(4), pk: { id: 'r4' } }],
        [{ type: 'plugins', row: { id: 'p1', name: 'key-auth', route: 'r4' }, pk: { id: 'p1' } }],
      ];
      // The tables the data plane serves one after the other, each cached as its change.
      const served = new DeltaTable(BASE);
      let table: Record<string, unknown> = BASE;
      for (const [i, changes] of batches.entries()) {
        table = served.patch(changes);
        expect(await a.saveChanges(table, changes, `v02_${i + 2}`)).toBe(true);
      }
      await a.close();
      expect(records(prefix)).toHaveLength(3);
      const b = openConfigCache({ prefix, mode, keyPem, log });
      // The hash of a replayed table is not stored: the data plane computes it.
      expect(b.load()).toEqual({ configTable: table, hash: null, syncVersion: 'v02_4' });
      await b.close();
    });
  }

  it('writes the table whole again once the records add up, and drops them in the same transaction', async () => {
    const prefix = tempDir();
    const { log } = logger();
    const c = openConfigCache({ prefix, mode: 'unencrypted', log });
    await c.save(BASE, 'a'.repeat(32));
    const index = new DeltaTable(BASE);
    // Records may add up to 1 MiB (or the table's size, when larger); these are 600 kB each.
    const big = (n: number): TableChange[] => [{ type: 'routes', row: { ...route(1), tags: ['x'.repeat(600_000)], n }, pk: { id: 'r1' } }];
    await c.saveChanges(index.patch(big(1)), big(1), 'v02_2');
    expect(records(prefix)).toHaveLength(1);
    await c.saveChanges(index.patch(big(2)), big(2), 'v02_3');
    expect(records(prefix)).toHaveLength(2);
    const last = big(3);
    const table = index.patch(last);
    await c.saveChanges(table, last, 'v02_4');
    // The third finds 1.2 MB of records: the table goes whole, the records go away.
    expect(records(prefix)).toHaveLength(0);
    await c.close();
    const d = openConfigCache({ prefix, mode: 'unencrypted', log });
    expect(d.load()).toEqual({ configTable: table, hash: null, syncVersion: 'v02_4' });
    await d.close();
  });

  it('writes the table whole when nothing was cached yet in this process', async () => {
    const prefix = tempDir();
    const { log } = logger();
    const c = openConfigCache({ prefix, mode: 'unencrypted', log });
    const changes: TableChange[] = [{ type: 'routes', row: route(9), pk: { id: 'r9' } }];
    const table = new DeltaTable(BASE).patch(changes);
    expect(await c.saveChanges(table, changes, 'v02_9')).toBe(true);
    expect(records(prefix)).toEqual([]);
    await c.close();
    const d = openConfigCache({ prefix, mode: 'unencrypted', log });
    expect(d.load()).toEqual({ configTable: table, hash: null, syncVersion: 'v02_9' });
    await d.close();
  });

  it('stops the replay at a record it cannot read, serving what came before it, and writes whole next', async () => {
    const prefix = tempDir();
    const { log, lines } = logger();
    const c = openConfigCache({ prefix, mode: 'encrypted', keyPem, log });
    await c.save(BASE, 'a'.repeat(32), 'v02_1');
    const index = new DeltaTable(BASE);
    const first: TableChange[] = [{ type: 'routes', row: route(2, '/two'), pk: { id: 'r2' } }];
    const afterFirst = index.patch(first);
    await c.saveChanges(afterFirst, first, 'v02_2');
    const second: TableChange[] = [{ type: 'routes', row: null, pk: { id: 'r3' } }];
    await c.saveChanges(index.patch(second), second, 'v02_3');
    await c.close();
    // The second record's ciphertext damaged: its authentication tag no longer matches.
    const db = open({ path: join(prefix, 'dbless.lmdb'), encoding: 'binary', noSubdir: false });
    const key = records(prefix)[1]!;
    const raw = Buffer.from(db.get(key) as Buffer);
    raw.writeUInt8(raw.readUInt8(raw.length - 1) ^ 0xff, raw.length - 1);
    await db.put(key, raw);
    await db.close();
    const d = openConfigCache({ prefix, mode: 'encrypted', keyPem, log });
    expect(d.load()).toEqual({ configTable: afterFirst, hash: null, syncVersion: 'v02_2' });
    expect(lines.some((l) => l.includes('a change record of the config cache cannot be read'))).toBe(true);
    const next: TableChange[] = [{ type: 'routes', row: route(5), pk: { id: 'r5' } }];
    const table = new DeltaTable(afterFirst).patch(next);
    await d.saveChanges(table, next, 'v02_4');
    expect(records(prefix)).toEqual([]);
    await d.close();
  });
});
