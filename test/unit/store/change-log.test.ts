// The store's change feed and the deltas sync v2 builds from it: versions in commit order, the
// bound, "full sync needed" for imports and services disabled or enabled, and a DP patched from deltas ending
// with the very config_table (and hash) the CP exports, through any sequence of writes.
import { describe, expect, it } from 'vitest';
import { openMemoryStore } from '../../../src/store/index.js';
import { ChangeLog, LOG_META } from '../../../src/store/change-log.js';
import { localTx, memoryPersistence } from '../../../src/store/persistence.js';
import { EntityStore } from '../../../src/store/entity-store.js';
import { configHash } from '../../../src/cluster/protocol/hash.js';
import { deltasToTable } from '../../../src/cluster/protocol/sync-v2.js';
import { cpOf } from './cp-of.js';

const svc = (name: string) => ({ name, url: 'http://127.0.0.1:9' });

describe('the change feed', () => {
  it('gives every commit a version and its rows in commit order; deletes as null rows', async () => {
    const s = openMemoryStore();
    const feed = s.changes();
    const v0 = feed.version();
    const a = await s.insert('services', svc('a'));
    const v1 = feed.version();
    await s.insert('routes', { name: 'r', paths: ['/r'], service: { id: a.id } });
    await s.update('services', 'a', { port: 8080 });
    await s.delete('routes', 'r');
    const v4 = feed.version();
    expect(v4 - v0).toBe(4);
    const all = feed.since(v0, v4)!;
    expect(all.map((c) => [c.entity, c.row === null ? 'gone' : (c.row.name as string)])).toEqual([['services', 'a'], ['routes', 'r'], ['services', 'a'], ['routes', 'gone']]);
    expect(all[2]!.row).toMatchObject({ port: 8080 });
    expect(feed.since(v1, v4)).toHaveLength(3);
    expect(feed.since(v4, v4)).toEqual([]);
    // Ahead, or a version it never handed out: it cannot tell.
    expect(feed.since(v4 + 1, v4)).toBeNull();
    expect(feed.since(v0 - 5, v4)).toBeNull();
  });

  it('marks imports, and disabling or enabling a service, as "full sync needed"', async () => {
    const s = openMemoryStore();
    const feed = s.changes();
    await s.insert('services', svc('a'));
    const before = feed.version();
    await s.replaceAll({ ...s.exportRows() });
    expect(feed.since(before, feed.version())).toBeNull();
    const imported = feed.version();
    await s.update('services', 'a', { enabled: false });
    expect(feed.since(imported, feed.version())).toBeNull();
    const disabled = feed.version();
    // A service that has nothing to do with the disabled one is a plain row.
    await s.insert('services', svc('b'));
    expect(feed.since(disabled, feed.version())!.map((c) => c.row?.name)).toEqual(['b']);
    const enabling = feed.version();
    await s.update('services', 'a', { enabled: true });
    expect(feed.since(enabling, feed.version())).toBeNull();
    const clean = feed.version();
    await s.insert('services', svc('c'));
    expect(feed.since(clean, feed.version())).toHaveLength(1);
  });

  it('tracks disabled services only from commits that landed', async () => {
    const p = memoryPersistence();
    let fail = false;
    const commit = p.commit;
    const failing = { ...p, commit: (ops: Parameters<typeof commit>[0]) => (fail ? Promise.reject(new Error('disk full')) : commit(ops)), begin: () => localTx((ops) => failing.commit(ops)) };
    const s = new EntityStore(failing);
    await s.insert('services', { ...svc('a'), enabled: false });
    fail = true;
    await expect(s.update('services', 'a', { enabled: true })).rejects.toThrow('disk full');
    fail = false;
    const v = s.changes().version();
    await s.insert('plugins', { name: 'request-termination', service: { name: 'a' }, config: { status_code: 403 } });
    // Service a is still disabled: its new plugin is not part of the export, nothing to tell.
    expect(s.changes().since(v, s.changes().version())).toEqual([]);
  });

  it('keeps only the last versions: older ones are no longer known', () => {
    const log = new ChangeLog([], 100, [], { versions: 3, rows: 1000 });
    for (let i = 0; i < 5; i++) log.record(log.prepare([{ key: `e:services:s${i}`, value: { r: { id: `s${i}` } } }], () => undefined));
    expect(log.version()).toBe(105);
    expect(log.since(100, 105)).toBeNull();
    expect(log.since(101, 105)).toBeNull();
    expect(log.since(102, 105)!.map((c) => c.id)).toEqual(['s2', 's3', 's4']);
    expect(log.since(103, 105)!.map((c) => c.id)).toEqual(['s3', 's4']);
  });

  it('keeps at most a budget of rows, whatever the number of versions', () => {
    const log = new ChangeLog([], 0, [], { versions: 100, rows: 4 });
    const put = (ids: string[]) => log.record(log.prepare(ids.map((id) => ({ key: `e:consumers:${id}`, value: { r: { id } } })), () => undefined));
    put(['a', 'b']);
    put(['c', 'd']);
    expect(log.since(0, 2)).toHaveLength(4);
    put(['e']);
    expect(log.since(0, 3)).toBeNull();
    expect(log.since(1, 3)!.map((c) => c.id)).toEqual(['c', 'd', 'e']);
  });

  it('persists the log and its counter with each write (LMDB, memory): a reopened store knows its versions', async () => {
    const p = memoryPersistence();
    const s = new EntityStore(p);
    await s.insert('services', svc('a'));
    const v1 = s.changes().version();
    await s.insert('services', svc('b'));
    expect(p.loadAll(LOG_META)[0]!.value).toMatchObject({ version: v1 + 1 });
    const again = new EntityStore(p);
    expect(again.changes().version()).toBe(v1 + 1);
    expect(again.changes().since(v1, v1 + 1)!.map((c) => c.row!.name)).toEqual(['b']);
  });
});

describe('deltas from the store', () => {
  it('take a DP through a sequence of writes to the CP\'s exact configuration, each sync a delta', async () => {
    const s = openMemoryStore();
    const cp = cpOf(s);
    await s.insert('services', svc('s0'));
    await cp.rebuild();
    const first = await cp.source.deltasSince('0'.repeat(32));
    expect(first.wipe).toBe(true);
    let table = deltasToTable(first.deltas, null);
    let version = first.version;
    expect(configHash(table).config_hash).toBe(cp.hash());
    const ids: string[] = [];
    // A fixed pseudo-random sequence: creates, updates, deletes of services, routes, plugins, consumers.
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let step = 0; step < 60; step++) {
      const op = rnd(5);
      if (op === 0 || ids.length === 0) ids.push((await s.insert('routes', { name: `r${step}`, paths: [`/p${step}`], service: { name: 's0' } })).id as string);
      else if (op === 1) await s.update('routes', ids[rnd(ids.length)]!, { paths: [`/u${step}`] });
      else if (op === 2) await s.delete('routes', ids.splice(rnd(ids.length), 1)[0]!);
      else if (op === 3) await s.insert('plugins', { name: 'request-termination', route: { id: ids[rnd(ids.length)] }, config: { status_code: 400 + step } }).catch(() => undefined); // one per route
      else await s.insert('consumers', { username: `c${step}` });
      if (rnd(3) === 0) continue; // several writes per sync, too
      await cp.rebuild();
      const a = await cp.source.deltasSince(version);
      expect(a.wipe).toBe(false);
      table = deltasToTable(a.deltas, table);
      version = a.version;
      expect(configHash(table).config_hash).toBe(cp.hash());
    }
    expect(cp.source.counts).toMatchObject({ full: 1 });
    expect(cp.source.hashOf(version)).toBe(cp.hash());
  });
});
