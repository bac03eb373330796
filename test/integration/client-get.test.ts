// get, delete and inspect dataplanes against real `cp run` and `dp run` processes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli, tempDir } from '../helpers/cli.js';
import { pki, post, startCp, startDp, until } from '../helpers/cluster.js';

type Row = Record<string, unknown>;
const pkiDir = mkdtempSync(join(tmpdir(), 'hybridctl-get-pki-'));
let certs: (f: string) => string;

beforeAll(async () => {
  certs = await pki(pkiDir);
}, 60_000);
afterAll(() => rmSync(pkiDir, { recursive: true, force: true }));

describe('get and delete', () => {
  it('lists as a table, shows one by name as yaml or json, filters by tag, deletes by name', async () => {
    const { admin } = await startCp(certs, join(tempDir(), 'cp'));
    expect((await post(`${admin}/services`, { name: 'billing', url: 'http://billing.internal:8080/api', tags: ['team-a'] })).status).toBe(201);
    expect((await post(`${admin}/services`, { name: 'ledger', host: 'ledger.internal' })).status).toBe(201);
    expect((await post(`${admin}/services/billing/routes`, { name: 'invoices', paths: ['/invoices'] })).status).toBe(201);
    const cli = (args: string[]) => runCli(args, { env: { HYBRIDCTL_CP: admin } });

    const table = await cli(['get', 'services']);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ {3}ID\s+NAME\s+PROTOCOL\s+HOST\s+PORT\s+PATH\s+ENABLED\s+TAGS$/);
    // The CP lists by id, so the order of the two rows is not the names' order.
    const rows = lines.slice(1).map((l) => l.trim().split(/\s+/).slice(1));
    expect(rows).toHaveLength(2);
    expect(rows).toEqual(expect.arrayContaining([
      ['billing', 'http', 'billing.internal', '8080', '/api', 'true', 'team-a'],
      ['ledger', 'http', 'ledger.internal', '80', '-', 'true', '-'],
    ]));

    const one = await cli(['get', 'service', 'billing', '-o', 'yaml']);
    expect(one.code).toBe(0);
    expect(parse(one.stdout)).toMatchObject({ name: 'billing', host: 'billing.internal', port: 8080, path: '/api' });

    const tagged = await cli(['get', 'services', '--tag', 'team-a', '-o', 'json']);
    expect((JSON.parse(tagged.stdout) as Row[]).map((s) => s.name)).toEqual(['billing']);

    const routes = await cli(['get', 'routes', '-o', 'json']);
    expect((JSON.parse(routes.stdout) as Row[]).map((r) => r.name)).toEqual(['invoices']);

    const missing = await cli(['get', 'service', 'nope']);
    expect([missing.code, missing.stderr.split('\n')[0]]).toEqual([1, `error: services 'nope' not found on the control plane at ${admin}`]);
    const unknown = await cli(['get', 'gizmos']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown entity 'gizmos'");

    const del = await cli(['delete', 'route', 'invoices']);
    expect([del.code, del.stdout]).toEqual([0, expect.stringMatching(/^deleted routes invoices \([0-9a-f-]{36}\)\n$/)]);
    expect((await fetch(`${admin}/routes/invoices`)).status).toBe(404);
    const again = await cli(['delete', 'route', 'invoices']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('nothing deleted');
  });
});

describe('inspect dataplanes', () => {
  it('in sync with the CP hash (exit 0); behind once the CP changes and the DP is gone (exit 1)', async () => {
    const dir = tempDir();
    const cp = await startCp(certs, join(dir, 'cp'));
    const cli = (args: string[]) => runCli([...args, '--cp', cp.admin]);
    const none = await cli(['inspect', 'dataplanes', '-o', 'json']);
    expect(none.code, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout)).toMatchObject({ data_planes: [], ok: true });

    const dp = await startDp(certs, join(dir, 'dp'), cp.cluster);
    const report = await until(async () => {
      const r = await cli(['inspect', 'dataplanes', '-o', 'json']);
      const j = JSON.parse(r.stdout) as { data_planes: Row[]; control_plane_hash: string; ok: boolean };
      return r.code === 0 && j.data_planes.length === 1 && j.ok ? j : undefined;
    }, 'the DP reported in sync');
    // An empty configuration: the DP reports Kong's empty hash, which counts as in sync.
    expect(report.data_planes[0]).toMatchObject({ in_sync: true, sync_status: 'normal', config_hash: '0'.repeat(32), version: expect.stringMatching(/^\d+\.\d+/) });

    expect((await post(`${cp.admin}/services`, { name: 'first', host: 'first.internal' })).status).toBe(201);
    const synced = await until(async () => {
      const r = await cli(['inspect', 'dataplanes', '-o', 'json']);
      const j = JSON.parse(r.stdout) as { data_planes: Row[]; control_plane_hash: string; ok: boolean };
      return r.code === 0 && j.data_planes[0]?.config_hash === j.control_plane_hash ? j : undefined;
    }, 'the DP reported the new hash');
    expect(synced.data_planes[0]).toMatchObject({ in_sync: true });

    const text = await cli(['inspect', 'dataplanes']);
    expect(text.stdout).toMatch(/in sync\s+\d+s ago/);

    await dp.d.stop();
    expect((await post(`${cp.admin}/services`, { name: 'late', host: 'late.internal' })).status).toBe(201);
    const behind = await until(async () => {
      const r = await cli(['inspect', 'dataplanes', '-o', 'json']);
      return r.code === 1 ? r : undefined;
    }, 'the stopped DP reported behind');
    const j = JSON.parse(behind.stdout) as { data_planes: Row[]; ok: boolean };
    expect(j.ok).toBe(false);
    expect(j.data_planes[0]).toMatchObject({ in_sync: false });
    expect((await cli(['inspect', 'dataplanes'])).stdout).toContain('behind');
  });
});
