// Changes while some service or plugin is disabled: told as rows exactly when the v1 export passes
// them through unchanged, and a DP patched from deltas ends with the CP's exact configuration (and
// hash) through any sequence of writes that disable, enable and move things.
import { describe, expect, it } from 'vitest';
import { openMemoryStore } from '../../../src/store/index.js';
import { ChangeLog } from '../../../src/store/change-log.js';
import { configHash } from '../../../src/cluster/protocol/hash.js';
import { deltasToTable } from '../../../src/cluster/protocol/sync-v2.js';
import { cpOf } from './cp-of.js';
import type { EntityName, Row } from '../../../src/entities/index.js';

const S_ON = '00000000-0000-4000-8000-000000000001';
const S_OFF = '00000000-0000-4000-8000-000000000002';
const R_ON = '00000000-0000-4000-8000-000000000011';
const R_OFF = '00000000-0000-4000-8000-000000000012';
const P = '00000000-0000-4000-8000-000000000021';

/** A log over fixed rows: one enabled service with a route, one disabled with a route. */
function fixture() {
  const rows: Record<string, Row> = {
    [`services:${S_ON}`]: { id: S_ON, enabled: true },
    [`services:${S_OFF}`]: { id: S_OFF, enabled: false },
    [`routes:${R_ON}`]: { id: R_ON, service: { id: S_ON } },
    [`routes:${R_OFF}`]: { id: R_OFF, service: { id: S_OFF } },
  };
  const log = new ChangeLog([], 0, Object.entries(rows).filter(([k]) => k.startsWith('services:')).map(([, r]) => r));
  const prev = (e: EntityName, id: string) => rows[`${e}:${id}`];
  const tell = (entity: EntityName, row: Row | null, id = row?.id as string) => {
    const p = log.prepare([{ key: `e:${entity}:${id}`, value: row ? { r: row } : undefined }], prev);
    return p.changes === null ? 'full' : p.changes.map((c) => (c.row ? 'row' : 'delete'));
  };
  return { rows, tell };
}

describe('changes while a service is disabled', () => {
  it('are rows when nothing the export drops is involved', () => {
    const { tell } = fixture();
    expect(tell('routes', { id: R_ON, service: { id: S_ON }, paths: ['/x'] })).toEqual(['row']);
    expect(tell('plugins', { id: P, enabled: true, route: { id: R_ON } })).toEqual(['row']);
    expect(tell('consumers', { id: P, username: 'c' })).toEqual(['row']);
    expect(tell('services', { id: S_ON, enabled: true, retries: 3 })).toEqual(['row']);
  });

  it('tell nothing for rows the export drops before and after', () => {
    const { rows, tell } = fixture();
    expect(tell('plugins', { id: P, enabled: true, route: { id: R_OFF } })).toEqual([]);
    expect(tell('plugins', { id: P, enabled: false, service: { id: S_ON } })).toEqual([]);
    expect(tell('services', { id: S_OFF, enabled: false, retries: 1 })).toEqual([]);
    expect(tell('routes', { id: R_OFF, service: { id: S_OFF }, paths: ['/y'] })).toEqual([]);
    rows[`plugins:${P}`] = { id: P, enabled: false, service: { id: S_ON } };
    expect(tell('plugins', null, P)).toEqual([]);
  });

  it('tell a row leaving the export as a deletion', () => {
    const { rows, tell } = fixture();
    rows[`plugins:${P}`] = { id: P, enabled: true, service: { id: S_ON } };
    expect(tell('plugins', { id: P, enabled: false, service: { id: S_ON } })).toEqual(['delete']);
    expect(tell('plugins', { id: P, enabled: true, route: { id: R_OFF } })).toEqual(['delete']);
  });

  it('are full syncs when what the export drops changes, or a row comes back into it', () => {
    const { rows, tell } = fixture();
    expect(tell('services', { id: S_OFF, enabled: true })).toBe('full');
    expect(tell('services', { id: S_ON, enabled: false })).toBe('full');
    expect(tell('services', null, S_OFF)).toBe('full');
    expect(tell('services', { id: P, enabled: false })).toBe('full');
    expect(tell('routes', { id: R_ON, service: { id: S_OFF } })).toBe('full');
    expect(tell('routes', { id: R_OFF, service: { id: S_ON } })).toBe('full');
    // The export would keep the plugin's old place in the table; a delta would put it last.
    rows[`plugins:${P}`] = { id: P, enabled: false, service: { id: S_ON } };
    expect(tell('plugins', { id: P, enabled: true, service: { id: S_ON } })).toBe('full');
    // An id shared across entities: whether the export drops it depends on the order of rows.
    expect(tell('services', { id: P, enabled: true, client_certificate: { id: S_OFF } })).toBe('full');
  });

  it('are full syncs in a commit where any row is, whatever the others', () => {
    const { rows } = fixture();
    const log = new ChangeLog([], 0, [rows[`services:${S_OFF}`]!]);
    const p = log.prepare([
      { key: `e:consumers:${P}`, value: { r: { id: P, username: 'c' } } },
      { key: `e:services:${S_OFF}`, value: { r: { id: S_OFF, enabled: true } } },
    ], (e, id) => rows[`${e}:${id}`]);
    expect(p.changes).toBeNull();
  });
});

describe('deltas with disabled services and plugins', () => {
  it('take a DP to the CP\'s exact configuration through writes that disable, enable and move', async () => {
    const s = openMemoryStore();
    const cp = cpOf(s);
    const services = ['s0', 's1', 's2'];
    for (const n of services) await s.insert('services', { name: n, url: 'http://127.0.0.1:9' });
    await s.update('services', 's1', { enabled: false });
    await cp.rebuild();
    const first = await cp.source.deltasSince('0'.repeat(32));
    let table = deltasToTable(first.deltas, null);
    let version = first.version;
    const routes: string[] = [];
    const plugins: string[] = [];
    let deltasWhileDisabled = 0;
    let seed = 11;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let step = 0; step < 300; step++) {
      const op = rnd(9);
      const svc = services[rnd(3)]!;
      if (op === 0 || routes.length === 0) routes.push((await s.insert('routes', { paths: [`/p${step}`], service: { name: svc } })).id as string);
      else if (op === 1) await s.update('routes', routes[rnd(routes.length)]!, { paths: [`/u${step}`] });
      else if (op === 2) await s.update('routes', routes[rnd(routes.length)]!, { service: { name: svc } });
      else if (op === 3) await s.delete('routes', routes.splice(rnd(routes.length), 1)[0]!);
      else if (op === 4) {
        const scope = rnd(2) ? { route: { id: routes[rnd(routes.length)] } } : { service: { name: svc } };
        const p = await s.insert('plugins', { name: 'request-termination', ...scope, config: { status_code: 400 + step } }).catch(() => null); // one per scope
        if (p) plugins.push(p.id as string);
      } else if (op === 5 && plugins.length) await s.update('plugins', plugins[rnd(plugins.length)]!, { enabled: rnd(2) === 0 });
      else if (op === 6 && rnd(4) === 0) await s.update('services', svc, { enabled: rnd(2) === 0 });
      else if (op === 7) await s.update('services', svc, { retries: step });
      else await s.insert('consumers', { username: `c${step}` });
      if (rnd(3) === 0) continue;
      await cp.rebuild();
      const a = await cp.source.deltasSince(version);
      table = deltasToTable(a.deltas, a.wipe ? null : table);
      version = a.version;
      expect(configHash(table).config_hash).toBe(cp.hash());
      if (!a.wipe && s.exportRows().services.some((r) => r.enabled === false)) deltasWhileDisabled += 1;
    }
    // Most syncs while a service was disabled were deltas, not full syncs.
    expect(deltasWhileDisabled).toBeGreaterThan(20);
    expect(cp.source.counts.full).toBeLessThan(cp.source.counts.delta);
  });
});
