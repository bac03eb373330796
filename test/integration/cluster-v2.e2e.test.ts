// hybridctl's own DP and CP on sync v2, as real processes: an Admin API write is served by a v2 DP
// and a v1 DP on the same CP, both report the CP's hash, a restarted v2 DP resumes from its cached
// version, and a CP that withholds v2 gets the same DP over v1.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { pki, post, startCp, startDp, until, upstream } from '../helpers/cluster.js';

const V2 = ['--cluster-rpc', 'on', '--cluster-rpc-sync', 'on'];
type Row = { id: string; config_hash: string; rpc_capabilities?: string[]; sync_status: string; version: string };
const rows = async (admin: string) => ((await (await fetch(`${admin}/clustering/data-planes`)).json()) as { data: Row[] }).data;
const hashOf = async (url: string) => ((await (await fetch(`${url}/status`)).json()) as { configuration_hash: string }).configuration_hash;
const served = (url: string, what: string, status = 200) => until(async () => (await fetch(url)).status === status, what);

describe('sync v2 between hybridctl processes', () => {
  it('serves an Admin API write through a v2 DP and a v1 DP on one CP, both rows with the CP hash', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const up = await upstream();
    try {
      const cp = await startCp(p, join(dir, 'cp'));
      const v2 = await startDp(p, join(dir, 'dp2'), cp.cluster, V2);
      const v1 = await startDp(p, join(dir, 'dp1'), cp.cluster);
      await v2.d.waitFor((l) => l.msg === 'connected to the control plane' && l.sync === 'v2', 15_000, 'v2 connection');
      await v1.d.waitFor((l) => l.msg === 'connected to the control plane' && l.sync === 'v1', 15_000, 'v1 connection');

      expect((await post(`${cp.admin}/services`, { name: 'up', url: `http://127.0.0.1:${up.port}/base` })).status).toBe(201);
      expect((await post(`${cp.admin}/services/up/routes`, { name: 'r1', paths: ['/api'] })).status).toBe(201);
      await served(`${v2.proxy}/api/a`, 'route on the v2 DP');
      await served(`${v1.proxy}/api/b`, 'route on the v1 DP');
      expect(up.seen).toEqual(expect.arrayContaining(['/base/a', '/base/b']));

      // The same configuration, so the same hash everywhere; the CP lists both DPs alike.
      const cpHash = await hashOf(cp.admin);
      expect(await hashOf(v2.status)).toBe(cpHash);
      expect(await hashOf(v1.status)).toBe(cpHash);
      const both = await until(async () => {
        const r = await rows(cp.admin);
        return r.length === 2 && r.every((x) => x.config_hash === cpHash) ? r : undefined;
      }, 'both rows at the CP hash');
      expect(both.map((r) => r.rpc_capabilities).sort()).toEqual([[], ['kong.sync.v2']]);
      expect(both.every((r) => r.sync_status === 'normal' && r.version === '3.10.0')).toBe(true);
      const metrics = await (await fetch(`${cp.admin}/metrics`)).text();
      expect(metrics).toMatch(/^hybridctl_data_planes_connected 2$/m);
      expect(metrics).toMatch(/^hybridctl_data_planes_sync_v2 1$/m);

      // A change reaches both; the v2 DP applied it from a delta, to the CP's very configuration.
      expect((await fetch(`${cp.admin}/routes/r1`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ paths: ['/moved'] }) })).status).toBe(200);
      await served(`${v2.proxy}/moved/c`, 'changed route on the v2 DP');
      await served(`${v1.proxy}/moved/d`, 'changed route on the v1 DP');
      expect((await fetch(`${v2.proxy}/api/a`)).status).toBe(404);
      const applied = v2.d.lines.filter((l) => l.msg === 'configuration applied');
      expect(applied.at(-1)).toMatchObject({ full_sync: false, sync_version: expect.stringMatching(/^v02_[0-9a-f]{28}$/) });
      expect(await hashOf(v2.status)).toBe(await hashOf(cp.admin));

      // Restarted, the v2 DP serves its cache and asks from its cached version: nothing to apply.
      const lastVersion = applied.at(-1)!.sync_version;
      expect(await v2.d.stop()).toBe(0);
      const again = await startDp(p, join(dir, 'dp2'), cp.cluster, V2);
      await again.d.waitFor((l) => l.msg === 'connected to the control plane' && l.sync === 'v2', 15_000, 'v2 reconnection');
      await served(`${again.proxy}/moved/e`, 'cached route after the restart');
      await new Promise((r) => setTimeout(r, 500));
      expect(again.d.lines.some((l) => l.msg === 'configuration applied')).toBe(false);
      // Its status report names its cached version, which the CP maps back to the hash.
      expect(lastVersion).toMatch(/^v02_/);
      const moved = await hashOf(cp.admin);
      expect(moved).not.toBe(cpHash);
      expect(await hashOf(again.status)).toBe(moved);
      await until(async () => (await rows(cp.admin)).find((r) => r.rpc_capabilities?.length && r.config_hash === moved), 'v2 row after the restart');
    } finally {
      up.server.close();
    }
  }, 90_000);

  it('a DP asking for v2 syncs over v1 from a CP whose kong.conf turns cluster_rpc_sync off', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const up = await upstream();
    try {
      const cp = await startCp(p, join(dir, 'cp'), ['--cluster-rpc', 'on', '--cluster-rpc-sync', 'off']);
      const dp = await startDp(p, join(dir, 'dp'), cp.cluster, V2);
      await dp.d.waitFor((l) => l.msg === 'rpc sync is disabled in CP.', 15_000, 'Kong\'s line');
      await dp.d.waitFor((l) => l.msg === 'connected to the control plane' && l.sync === 'v1', 15_000, 'v1 connection');
      expect((await post(`${cp.admin}/services`, { name: 'up', url: `http://127.0.0.1:${up.port}` })).status).toBe(201);
      expect((await post(`${cp.admin}/services/up/routes`, { paths: ['/x'] })).status).toBe(201);
      await served(`${dp.proxy}/x/1`, 'route over v1');
      const r = await until(async () => (await rows(cp.admin))[0], 'row');
      expect(r).toMatchObject({ sync_status: 'normal', version: '3.10.0' });
    } finally {
      up.server.close();
    }
  }, 60_000);
});
