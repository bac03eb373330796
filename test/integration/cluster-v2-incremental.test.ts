// Deltas applied without a whole re-apply, through real processes: a DP with two proxy workers
// patches both, its cache replays the changes after a restart without the CP, and a CP with only
// sync v2 DPs does not rebuild its v1 export per change (a v1 DP joining still gets the latest).
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { pki, post, startCp, startDp, until, upstream } from '../helpers/cluster.js';

const V2 = ['--cluster-rpc', 'on', '--cluster-rpc-sync', 'on'];
const hashOf = async (url: string) => ((await (await fetch(`${url}/status`)).json()) as { configuration_hash: string }).configuration_hash;
const patch = (url: string, body: unknown) => fetch(url, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
/** A request on a connection of its own, so the kernel may hand it to either worker. */
const status = async (url: string) => (await fetch(url, { headers: { connection: 'close' } })).status;

describe('incremental apply', () => {
  it('two proxy workers patch their own copy; the cache replays the changes after a restart without the CP', async () => {
    const up = await upstream();
    try {
      const dir = tempDir();
      const p = await pki(join(dir, 'pki'));
      const cp = await startCp(p, join(dir, 'cp'), ['--log-level', 'debug']);
      const dpArgs = [...V2, '--nginx-worker-processes', '2', '--log-level', 'debug'];
      let dp = await startDp(p, join(dir, 'dp'), cp.cluster, dpArgs);
      expect((await post(`${cp.admin}/services`, { name: 's', url: `http://127.0.0.1:${up.port}` })).status).toBe(201);
      for (let i = 0; i < 5; i++) expect((await post(`${cp.admin}/services/s/routes`, { name: `r${i}`, paths: [`/r${i}`] })).status).toBe(201);
      const inSync = async (what: string) => {
        const want = await hashOf(cp.admin);
        await until(async () => (await hashOf(dp.status)) === want, `${what}: the DP at the CP's hash`);
        return want;
      };
      await inSync('creates');

      // A burst of changes with nobody asking the CP for its hash: no export rebuilt for them.
      const rebuilt = () => cp.d.lines.filter((l) => l.msg === 'configuration rebuilt').length;
      const applied = () => dp.d.lines.filter((l) => l.msg === 'configuration applied' && l.full_sync === false).length;
      const [rebuiltBefore, appliedBefore] = [rebuilt(), applied()];
      const patchedBefore = dp.d.lines.filter((l) => l.msg === 'config patched').length;
      expect((await patch(`${cp.admin}/routes/r2`, { paths: ['/two'] })).status).toBe(200);
      expect((await fetch(`${cp.admin}/routes/r3`, { method: 'DELETE' })).status).toBe(204);
      expect((await post(`${cp.admin}/services/s/routes`, { name: 'r5', paths: ['/r5'] })).status).toBe(201);
      expect((await post(`${cp.admin}/routes/r4/plugins`, { name: 'request-termination', config: { status_code: 418 } })).status).toBe(201);
      // Deltas of changes close together may come in one answer: waited for by what the proxy serves.
      await until(async () => (await status(`${dp.proxy}/r4`)) === 418 && (await status(`${dp.proxy}/two`)) === 200 || undefined, 'the burst served');
      expect(applied()).toBeGreaterThan(appliedBefore);
      expect(rebuilt() - rebuiltBefore).toBeLessThanOrEqual(1);
      // Every delta patched in both workers, none re-applied whole.
      const patched = dp.d.lines.slice().filter((l) => l.msg === 'config patched').slice(patchedBefore);
      expect(new Set(patched.map((l) => l.worker)).size).toBe(2);
      expect(dp.d.lines.filter((l) => l.msg === 'configuration applied' && l.full_sync === false).every((l) => l.config_hash === undefined)).toBe(true);
      // The export catches up once the changes pause.
      await until(async () => rebuilt() > rebuiltBefore || undefined, 'the export rebuilt after the pause', 10_000);
      const final = await inSync('burst');
      for (let i = 0; i < 10; i++) {
        expect(await status(`${dp.proxy}/two`)).toBe(200);
        expect(await status(`${dp.proxy}/r2`)).toBe(404);
        expect(await status(`${dp.proxy}/r3`)).toBe(404);
        expect(await status(`${dp.proxy}/r5`)).toBe(200);
        expect(await status(`${dp.proxy}/r4`)).toBe(418);
      }

      // Without the CP, a restarted DP serves the cached table with every change replayed.
      await cp.d.stop();
      await dp.d.stop();
      dp = await startDp(p, join(dir, 'dp'), cp.cluster, dpArgs);
      await dp.d.waitFor((l) => String(l.msg).startsWith('serving the cached configuration'), 20_000, 'the cached configuration');
      expect(await hashOf(dp.status)).toBe(final);
      expect(await status(`${dp.proxy}/two`)).toBe(200);
      expect(await status(`${dp.proxy}/r3`)).toBe(404);
      expect(await status(`${dp.proxy}/r4`)).toBe(418);
      await dp.d.stop();
    } finally {
      up.server.close();
    }
  }, 120_000);

  it('a v1 DP joining a CP whose export lags gets the latest configuration', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const cp = await startCp(p, join(dir, 'cp'));
    const v2 = await startDp(p, join(dir, 'v2'), cp.cluster, V2);
    await v2.d.waitFor((l) => l.msg === 'connected to the control plane' && l.sync === 'v2', 15_000, 'v2 connection');
    expect((await post(`${cp.admin}/services`, { name: 's', url: 'http://127.0.0.1:9' })).status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await post(`${cp.admin}/services/s/routes`, { name: `r${i}`, paths: [`/r${i}`] })).status).toBe(201);
    // Straight away, before the export has caught up on its own.
    const v1 = await startDp(p, join(dir, 'v1'), cp.cluster);
    const want = await hashOf(cp.admin);
    await until(async () => (await hashOf(v1.status)) === want, 'the v1 DP at the CP hash');
    // Its first configuration is already the latest: it waited for the export instead of getting an older one.
    expect(v1.d.lines.find((l) => l.msg === 'configuration applied')?.config_hash).toBe(want);
    await until(async () => (await hashOf(v2.status)) === want, 'the v2 DP at the CP hash');
    // With a v1 DP connected, a change is exported (and pushed) at once.
    expect((await patch(`${cp.admin}/routes/r1`, { paths: ['/one'] })).status).toBe(200);
    const next = await until(async () => {
      const h = await hashOf(v1.status);
      return h !== want && h;
    }, 'the v1 DP after a change');
    expect(await hashOf(cp.admin)).toBe(next);
  }, 90_000);
});
