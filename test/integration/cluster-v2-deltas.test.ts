// Incremental sync v2 against real `cp run` processes: deltas from the store's change log for a
// Kong DP (emulated) and for our own DP, versions that survive a CP restart on LMDB, and a DP
// moving between two CPs on one PostgreSQL database. Full syncs where the log cannot answer.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { pki, post, startCp, startDp, until, upstream } from '../helpers/cluster.js';
import { startDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/net.js';
import { KongDp, type KongDpOptions } from '../helpers/kong-rpc.js';
import { startPostgres, type PgConnection, type Postgres } from '../helpers/postgres.js';

type Delta = { type: string; entity: Record<string, unknown> | null; pk?: { id: string }; version: string };
type Answer = { deltas: Delta[]; full_sync: boolean };
const ZEROS = '0'.repeat(32);
const V2 = ['--cluster-rpc', 'on', '--cluster-rpc-sync', 'on'];
const hashOf = async (url: string) => ((await (await fetch(`${url}/status`)).json()) as { configuration_hash: string }).configuration_hash;
const patch = (url: string, body: unknown) => fetch(url, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const opts = (p: (f: string) => string, port: number): KongDpOptions => ({
  port, certPem: readFileSync(p('dp.crt'), 'utf8'), keyPem: readFileSync(p('dp.key'), 'utf8'), caPem: readFileSync(p('ca.crt'), 'utf8'), servername: 'localhost',
});
const getDelta = async (dp: KongDp, version: string): Promise<Answer> => ((await dp.call('kong.sync.v2.get_delta', [{ default: { version } }])).result as { default: Answer }).default;
/** The version a full sync reaches: every delta carries it. */
const versionOf = (a: Answer) => a.deltas.at(-1)!.version;
/** The CP's current version, as a DP at the empty hash learns it. */
const current = async (dp: KongDp) => versionOf(await getDelta(dp, ZEROS));

let pg: Postgres | undefined;
afterAll(async () => {
  await pg?.stop();
});

describe('incremental sync v2', () => {
  it('LMDB: a Kong DP gets only what changed, also across a CP restart; imports, disabled services and unknown versions get a full sync', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    let cp = await startCp(p, join(dir, 'cp'));
    expect((await post(`${cp.admin}/services`, { name: 's1', url: 'http://127.0.0.1:9' })).status).toBe(201);
    expect((await post(`${cp.admin}/services/s1/routes`, { name: 'r1', paths: ['/one'] })).status).toBe(201);
    let dp = await KongDp.connect(opts(p, cp.cluster));
    const v1 = await current(dp);

    expect((await patch(`${cp.admin}/routes/r1`, { paths: ['/uno'] })).status).toBe(200);
    const v2 = await until(async () => ((await current(dp)) > v1 ? current(dp) : undefined), 'the CP at a newer version');
    const one = await getDelta(dp, v1);
    expect(one.full_sync).toBe(false);
    expect(one.deltas).toEqual([expect.objectContaining({ type: 'routes', version: v2, entity: expect.objectContaining({ name: 'r1', paths: ['/uno'] }) })]);
    dp.close();

    // Restarted on the same store: the versions are still known, so the DP gets a delta.
    expect(await cp.d.stop()).toBe(0);
    cp = await startCp(p, join(dir, 'cp'));
    dp = await KongDp.connect(opts(p, cp.cluster));
    expect(await current(dp)).toBe(v2);
    expect(await getDelta(dp, v1)).toMatchObject({ full_sync: false, deltas: [expect.objectContaining({ type: 'routes' })] });
    expect((await post(`${cp.admin}/services/s1/routes`, { name: 'r2', paths: ['/two'] })).status).toBe(201);
    const v3 = await until(async () => ((await current(dp)) > v2 ? current(dp) : undefined), 'the restarted CP at a newer version');
    const after = await getDelta(dp, v2);
    expect(after.full_sync).toBe(false);
    expect(after.deltas.map((d) => [d.type, d.entity?.name, d.version])).toEqual([['routes', 'r2', v3]]);

    // A disabled service drops its routes from the v1 export: told as a full sync.
    expect((await patch(`${cp.admin}/services/s1`, { enabled: false })).status).toBe(200);
    const v4 = await until(async () => ((await current(dp)) > v3 ? current(dp) : undefined), 'the CP after disabling');
    const disabled = await getDelta(dp, v3);
    expect(disabled.full_sync).toBe(true);
    expect(disabled.deltas.filter((d) => d.type === 'routes')).toEqual([]);
    expect(versionOf(disabled)).toBe(v4);

    // An import (POST /config) is "full sync needed" for every version before it.
    const body = { _format_version: '3.0', services: [{ name: 'imported', url: 'http://127.0.0.1:9', routes: [{ name: 'ri', paths: ['/i'] }] }] };
    expect((await post(`${cp.admin}/config`, body)).status).toBe(201);
    const v5 = await until(async () => ((await current(dp)) > v4 ? current(dp) : undefined), 'the CP after the import');
    const imported = await getDelta(dp, v4);
    expect(imported.full_sync).toBe(true);
    expect(imported.deltas.filter((d) => d.type === 'routes').map((d) => d.entity!.name)).toEqual(['ri']);
    expect(versionOf(imported)).toBe(v5);
    // After the import, deltas again.
    expect((await patch(`${cp.admin}/routes/ri`, { paths: ['/j'] })).status).toBe(200);
    await until(async () => ((await current(dp)) > v5 ? true : undefined), 'the CP after the patch');
    expect(await getDelta(dp, v5)).toMatchObject({ full_sync: false, deltas: [expect.objectContaining({ type: 'routes' })] });
    // Unknown, ahead, or never handed out: full.
    for (const v of [ZEROS, 'v02_' + 'f'.repeat(28), 'v02_' + '0'.repeat(27) + '1']) expect((await getDelta(dp, v)).full_sync).toBe(true);
    dp.close();
  }, 120_000);

  it('our DP on v2 stays in sync through creates, updates and deletes, applied as deltas', async () => {
    const up = await upstream();
    try {
      const dir = tempDir();
      const p = await pki(join(dir, 'pki'));
      const cp = await startCp(p, join(dir, 'cp'));
      const dp = await startDp(p, join(dir, 'dp'), cp.cluster, V2);
      await dp.d.waitFor((l) => l.msg === 'connected to the control plane' && l.sync === 'v2', 15_000, 'v2 connection');
      const inSync = async (what: string) => {
        const want = await hashOf(cp.admin);
        await until(async () => (await hashOf(dp.status)) === want, `${what}: the DP at the CP's hash`);
      };
      expect((await post(`${cp.admin}/services`, { name: 's', url: `http://127.0.0.1:${up.port}` })).status).toBe(201);
      for (const n of ['a', 'b', 'c']) expect((await post(`${cp.admin}/services/s/routes`, { name: n, paths: [`/${n}`] })).status).toBe(201);
      await inSync('creates');
      for (const n of ['a', 'b', 'c']) expect((await fetch(`${dp.proxy}/${n}`)).status).toBe(200);

      expect((await patch(`${cp.admin}/routes/b`, { paths: ['/bee'] })).status).toBe(200);
      expect((await fetch(`${cp.admin}/routes/a`, { method: 'DELETE' })).status).toBe(204);
      expect((await post(`${cp.admin}/services/s/plugins`, { name: 'request-termination', config: { status_code: 418 } })).status).toBe(201);
      await inSync('update, delete, plugin');
      expect((await fetch(`${dp.proxy}/bee`)).status).toBe(418);
      expect((await fetch(`${dp.proxy}/b`)).status).toBe(404);
      expect((await fetch(`${dp.proxy}/a`)).status).toBe(404);
      const plugin = ((await (await fetch(`${cp.admin}/plugins`)).json()) as { data: { id: string }[] }).data[0]!.id;
      expect((await fetch(`${cp.admin}/plugins/${plugin}`, { method: 'DELETE' })).status).toBe(204);
      await inSync('plugin delete');
      expect((await fetch(`${dp.proxy}/c`)).status).toBe(200);

      const applied = dp.d.lines.filter((l) => l.msg === 'configuration applied');
      // The first sync is full (the DP started empty); what followed came as deltas.
      expect(applied[0]).toMatchObject({ full_sync: true });
      expect(applied.slice(1).length).toBeGreaterThan(0);
      expect(applied.slice(1).every((l) => l.full_sync === false)).toBe(true);
    } finally {
      up.server.close();
    }
  }, 90_000);

  it('our DP on v2 balances over the targets deltas add and remove', async () => {
    const [one, two] = [await upstream(), await upstream()];
    try {
      const dir = tempDir();
      const p = await pki(join(dir, 'pki'));
      const cp = await startCp(p, join(dir, 'cp'));
      const dp = await startDp(p, join(dir, 'dp'), cp.cluster, [...V2, '--log-level', 'debug']);
      await dp.d.waitFor((l) => l.msg === 'connected to the control plane' && l.sync === 'v2', 15_000, 'v2 connection');
      const inSync = async (what: string) => {
        const want = await hashOf(cp.admin);
        await until(async () => (await hashOf(dp.status)) === want, `${what}: the DP at the CP's hash`);
      };
      expect((await post(`${cp.admin}/services`, { name: 's', url: 'http://pool' })).status).toBe(201);
      expect((await post(`${cp.admin}/services/s/routes`, { name: 'r', paths: ['/p'] })).status).toBe(201);
      await inSync('a service and its route');
      expect((await post(`${cp.admin}/upstreams`, { name: 'pool' })).status).toBe(201);
      const first = (await (await post(`${cp.admin}/upstreams/pool/targets`, { target: `127.0.0.1:${one.port}` })).json()) as { id: string };
      await inSync('an upstream and its target');
      expect((await fetch(`${dp.proxy}/p/1`)).status).toBe(200);
      expect(one.seen).toEqual(['/1']);

      expect((await post(`${cp.admin}/upstreams/pool/targets`, { target: `127.0.0.1:${two.port}` })).status).toBe(201);
      expect((await fetch(`${cp.admin}/upstreams/pool/targets/${first.id}`, { method: 'DELETE' })).status).toBe(204);
      await inSync('a target added, one deleted');
      for (const n of [2, 3, 4]) expect((await fetch(`${dp.proxy}/p/${n}`)).status).toBe(200);
      expect(one.seen).toEqual(['/1']);
      expect(two.seen).toEqual(['/2', '/3', '/4']);
      const applied = dp.d.lines.filter((l) => l.msg === 'configuration applied');
      expect(applied.slice(1).every((l) => l.full_sync === false)).toBe(true);
      // The worker compiled whole once, for the first sync; upstreams and targets were patched in.
      const compiles = dp.d.lines.filter((l) => l.msg === 'config loaded' || l.msg === 'config patched').map((l) => l.msg);
      expect(compiles[0]).toBe('config loaded');
      expect(compiles.slice(1).length).toBeGreaterThanOrEqual(3);
      expect(compiles.slice(1).every((m) => m === 'config patched')).toBe(true);
    } finally {
      one.server.close();
      two.server.close();
    }
  }, 90_000);

  it('PostgreSQL: a DP that moves from one CP to another gets a delta (versions are the shared log\'s)', async () => {
    pg = await startPostgres();
    const db: PgConnection = await pg.createDatabase();
    expect((await runCli(['cp', 'migrations', 'bootstrap'], { env: db.env() })).code).toBe(0);
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const start = async (name: string) => {
      const [cluster, admin] = [await freePort(), await freePort()];
      const d = startDaemon(['cp', 'run', '--prefix', join(dir, name), '--cluster-mtls', 'pki', '--cluster-cert', p('cp.crt'), '--cluster-cert-key', p('cp.key'), '--cluster-ca-cert', p('ca.crt'),
        '--cluster-listen', `127.0.0.1:${cluster}`, '--admin-listen', `127.0.0.1:${admin}`, '--status-listen', 'off'], db.env());
      await d.waitFor((l) => l.msg === 'control plane started', 20_000, 'control plane start');
      return { d, admin: `http://127.0.0.1:${admin}`, cluster };
    };
    const cp1 = await start('cp1');
    const cp2 = await start('cp2');
    expect((await post(`${cp1.admin}/services`, { name: 's1', url: 'http://127.0.0.1:9' })).status).toBe(201);
    const on1 = await KongDp.connect(opts(p, cp1.cluster));
    const on2 = await KongDp.connect(opts(p, cp2.cluster));
    const v1 = await current(on1);
    await until(async () => (await current(on2)) === v1, 'CP2 at the same version');

    // A write on CP1; the DP was at v1 on CP1 and now asks CP2.
    expect((await post(`${cp1.admin}/services/s1/routes`, { name: 'r1', paths: ['/one'] })).status).toBe(201);
    const v2 = await until(async () => ((await current(on1)) > v1 ? current(on1) : undefined), 'CP1 after the write');
    await until(async () => (await current(on2)) === v2, 'CP2 at the version of CP1\'s write');
    const moved = await getDelta(on2, v1);
    expect(moved.full_sync).toBe(false);
    expect(moved.deltas.map((d) => [d.type, d.entity?.name, d.version])).toEqual([['routes', 'r1', v2]]);
    // And a delete on CP2 reaches a DP on CP1 as a delete delta.
    const r1 = moved.deltas[0]!.entity!.id as string;
    expect((await fetch(`${cp2.admin}/routes/r1`, { method: 'DELETE' })).status).toBe(204);
    const v3 = await until(async () => ((await current(on1)) > v2 ? current(on1) : undefined), 'CP1 after CP2\'s delete');
    expect(await getDelta(on1, v2)).toMatchObject({ full_sync: false, deltas: [{ type: 'routes', entity: null, pk: { id: r1 }, version: v3 }] });
    on1.close();
    on2.close();
  }, 120_000);
});
