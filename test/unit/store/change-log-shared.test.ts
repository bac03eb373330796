// A node starting on a shared database seeds its change log from the commits the database kept,
// marked by the nodes that wrote them (toldMarks), within the log's bounds (sharedLogRecords).
import { describe, expect, it } from 'vitest';
import { ChangeLog, sharedLogRecords, toldMarks, type SharedCommit } from '../../../src/store/change-log.js';

const row = (id: string, name: string) => ({ r: { id, name } });
const commit = (version: number, name: string, t: 'r' | 'd' | 'n' | null = 'r'): SharedCommit => ({
  version, ops: [{ key: `e:consumers:${name}`, value: row(name, name), ...(t ? { t } : {}) }, { key: `u:consumers:username:${name}`, value: 1 }],
});
const seeded = (commits: SharedCommit[], start: number, floor: number, limit?: { versions: number; rows: number }) =>
  new ChangeLog(sharedLogRecords(commits, start, floor, limit), 0, [], limit);

describe('toldMarks', () => {
  it('marks every entity key of a commit told as rows, and none of a full sync or one writing a key twice', () => {
    const ops = [{ key: 'e:routes:a', value: row('a', 'a') }, { key: 'e:plugins:p', value: row('p', 'p') }, { key: 'e:services:s', value: row('s', 's') }, { key: 'i:x', value: 1 }];
    const marks = toldMarks(ops, { changes: [{ entity: 'routes', id: 'a', row: { id: 'a' } }, { entity: 'plugins', id: 'p', row: null }], services: [] });
    expect(Object.fromEntries(marks!)).toEqual({ 'e:routes:a': 'r', 'e:plugins:p': 'd', 'e:services:s': 'n' });
    expect(toldMarks(ops, { changes: null, services: [] })).toBeNull();
    expect(toldMarks([...ops, { key: 'e:routes:a', value: undefined }], { changes: [], services: [] })).toBeNull();
  });
});

describe('sharedLogRecords', () => {
  it('tells rows, deletions and nothing as the marks say, from the pruned floor up', () => {
    const commits = [commit(5, 'a'), commit(6, 'b', 'd'), commit(8, 'c', 'n'), commit(9, 'd')];
    const log = seeded(commits, 9, 4);
    expect(log.version()).toBe(9);
    expect(log.since(4, 9)).toEqual([
      { entity: 'consumers', id: 'a', row: { id: 'a', name: 'a' } }, { entity: 'consumers', id: 'b', row: null }, { entity: 'consumers', id: 'd', row: { id: 'd', name: 'd' } },
    ]);
    expect(log.since(6, 9)!.map((c) => c.id)).toEqual(['d']);
    // Below the floor nothing is known.
    expect(log.since(3, 9)).toBeNull();
  });

  it('makes a commit without marks a full sync, for DPs before it only', () => {
    const log = seeded([commit(5, 'a'), commit(6, 'b', null), commit(7, 'c'), { version: 8, ops: null }], 8, 4);
    expect(log.since(4, 7)).toBeNull();
    expect(log.since(6, 7)!.map((c) => c.id)).toEqual(['c']);
    expect(log.since(7, 8)).toBeNull();
  });

  it('keeps the newest commits that fit the bounds; older versions get a full sync', () => {
    const commits = Array.from({ length: 10 }, (_, i) => commit(i + 1, `c${i + 1}`));
    const byVersions = seeded(commits, 10, 0, { versions: 4, rows: 100 });
    expect(byVersions.since(6, 10)!.map((c) => c.id)).toEqual(['c7', 'c8', 'c9', 'c10']);
    expect(byVersions.since(5, 10)).toBeNull();
    const byRows = seeded(commits, 10, 0, { versions: 100, rows: 3 });
    expect(byRows.since(7, 10)!.map((c) => c.id)).toEqual(['c8', 'c9', 'c10']);
    expect(byRows.since(6, 10)).toBeNull();
  });
});
