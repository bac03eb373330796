// A row deleted and created again with the same id: the control plane lists it last from then
// on (in memory, after a restart, and to a DP patched from deltas), so the DP's hash stays the
// CP's whatever happens between two syncs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLmdbStore, openMemoryStore, type Store } from '../../../src/store/index.js';
import { buildReconfigure } from '../../../src/cluster/protocol/messages.js';
import { configHash } from '../../../src/cluster/protocol/hash.js';
import { deltasToTable } from '../../../src/cluster/protocol/sync-v2.js';
import { cpOf } from './cp-of.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const hashOf = async (s: Store) => buildReconfigure(await s.exportConfigTable()).hash;

/** A DP that took a full sync, then patches itself from each delta answer. */
async function dpOf(cp: ReturnType<typeof cpOf>) {
  await cp.rebuild();
  const first = await cp.source.deltasSince('0'.repeat(32));
  let table = deltasToTable(first.deltas, null);
  let version = first.version;
  return {
    async sync() {
      await cp.rebuild();
      const a = await cp.source.deltasSince(version);
      table = deltasToTable(a.deltas, a.wipe ? null : table);
      version = a.version;
      return { wipe: a.wipe, hash: configHash(table).config_hash };
    },
  };
}

describe('a row deleted and created again with the same id', () => {
  it('reaches a DP as a deletion and a creation, and the DP ends with the CP\'s hash', async () => {
    const s = openMemoryStore();
    await s.insert('services', { name: 'a', url: 'http://127.0.0.1:9' });
    const ids: string[] = [];
    for (const p of ['/1', '/2', '/3']) ids.push((await s.insert('routes', { paths: [p], service: { name: 'a' } })).id as string);
    const cp = cpOf(s);
    const dp = await dpOf(cp);

    await s.delete('routes', ids[0]!);
    await s.insert('routes', { paths: ['/4'], service: { name: 'a' } });
    await s.upsert('routes', ids[0]!, { paths: ['/1-again'], service: { name: 'a' } });
    await s.update('routes', ids[1]!, { paths: ['/2-changed'] });
    const r = await dp.sync();
    expect(r.wipe).toBe(false);
    expect(r.hash).toBe(cp.hash());
    // The CP lists it after the route created in between.
    expect(s.exportRows().routes.map((x) => x.paths)).toEqual([['/2-changed'], ['/3'], ['/4'], ['/1-again']]);
  });

  it('keeps its new place across a restart', async () => {
    const top = mkdtempSync(join(tmpdir(), 'hybridctl-recreate-'));
    dirs.push(top);
    const dir = join(top, 'store');
    let s = await openLmdbStore(dir);
    await s.insert('services', { name: 'a', url: 'http://127.0.0.1:9' });
    const first = (await s.insert('routes', { paths: ['/1'], service: { name: 'a' } })).id as string;
    await s.insert('routes', { paths: ['/2'], service: { name: 'a' } });
    const consumer = (await s.insert('consumers', { username: 'c' })).id as string;
    await s.insert('keyauth_credentials', { key: 'k1', consumer: { id: consumer } });
    await s.delete('routes', first);
    await s.upsert('routes', first, { paths: ['/1'], service: { name: 'a' } });
    // Deleted with its consumer (a cascade), then created again.
    await s.delete('consumers', consumer);
    await s.upsert('consumers', consumer, { username: 'c' });
    const before = await hashOf(s);
    const order = s.exportRows().routes.map((x) => x.paths);
    await s.close();
    s = await openLmdbStore(dir);
    expect(s.exportRows().routes.map((x) => x.paths)).toEqual(order);
    expect(order).toEqual([['/2'], ['/1']]);
    expect(await hashOf(s)).toBe(before);
    await s.close();
  });

  it('through random deletes, re-creations and updates, a DP patched from deltas keeps the CP\'s exact hash', async () => {
    const s = openMemoryStore();
    for (const n of ['a', 'b']) await s.insert('services', { name: n, url: 'http://127.0.0.1:9' });
    const cp = cpOf(s);
    const dp = await dpOf(cp);
    const live: string[] = [];
    const gone: string[] = [];
    let seed = 7;
    // The high bits: an LCG's low bits repeat with a short period.
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), Math.floor(seed / 65536) % n);
    let deltas = 0;
    let recreated = 0;
    for (let step = 0; step < 300; step++) {
      const op = rnd(6);
      if (op === 0 || live.length === 0) live.push((await s.insert('routes', { paths: [`/p${step}`], service: { name: rnd(2) ? 'a' : 'b' } })).id as string);
      else if (op === 1) {
        const id = live.splice(rnd(live.length), 1)[0]!;
        await s.delete('routes', id);
        gone.push(id);
      }
      else if ((op === 2 || op === 3) && gone.length > 0) {
        const id = gone.splice(rnd(gone.length), 1)[0]!;
        await s.upsert('routes', id, { paths: [`/again${step}`], service: { name: 'a' } });
        live.push(id);
        recreated += 1;
      } else await s.update('routes', live[rnd(live.length)]!, { paths: [`/u${step}`] });
      if (rnd(3) !== 0) continue;
      const r = await dp.sync();
      expect(r.hash).toBe(cp.hash());
      if (!r.wipe) deltas += 1;
    }
    expect(deltas).toBeGreaterThan(50);
    expect(recreated).toBeGreaterThan(30);
  });
});
