// The deployment shape of several control planes: two `cp run` on one PostgreSQL behind HAProxy
// (TCP passthrough of the mTLS cluster connection), two `dp run` connected through it. Real
// processes throughout; a CP is killed with SIGKILL and the database is restarted under load.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { pki, post, until, upstream } from '../helpers/cluster.js';
import { startDaemon, listenOf, type Daemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/net.js';
import { startPostgres, type Postgres, type PgConnection } from '../helpers/postgres.js';
import { startHaproxy } from '../helpers/haproxy.js';

let server: Postgres;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

type P = (f: string) => string;

async function cp(p: P, db: PgConnection, prefix: string, cluster?: number) {
  const [c, admin] = [cluster ?? (await freePort()), await freePort()];
  const d = startDaemon(
    ['cp', 'run', '--prefix', prefix, '--cluster-mtls', 'pki', '--cluster-cert', p('cp.crt'), '--cluster-cert-key', p('cp.key'), '--cluster-ca-cert', p('ca.crt'),
      '--cluster-listen', `127.0.0.1:${c}`, '--admin-listen', `127.0.0.1:${admin}`, '--status-listen', 'off'],
    db.env(),
  );
  await d.waitFor((l) => l.msg === 'control plane started', 20_000, 'control plane start');
  return { d, admin: `http://127.0.0.1:${admin}`, cluster: c };
}

async function dp(p: P, prefix: string, clusterPort: number) {
  const [proxy, status] = [await freePort(), await freePort()];
  const d = startDaemon([
    'dp', 'run', '--prefix', prefix, '--cp-address', `localhost:${clusterPort}`, '--cluster-mtls', 'pki', '--ca-cert-file', p('ca.crt'), '--cert-file', p('dp.crt'), '--key-file', p('dp.key'),
    '--server-name', 'localhost', '--proxy-listen', `127.0.0.1:${proxy}`, '--status-listen', `127.0.0.1:${status}`, '--nginx-worker-processes', '1',
  ]);
  const started = await d.waitFor((l) => l.msg === 'data plane started', 20_000, 'data plane start');
  return { d, proxy: `http://127.0.0.1:${listenOf(String(started.proxy_listen).split(',')[0]).port}` };
}

/** One GET with a fresh connection: the status, or 0 when the connection failed. */
function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

describe('several control planes on PostgreSQL', () => {
  it('cp run on an un-bootstrapped database refuses to start and names the command', async () => {
    const db = await server.createDatabase();
    const dir = tempDir();
    const r = await runCli(['cp', 'run', '--prefix', join(dir, 'cp'), '--cluster-listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--status-listen', 'off'], { env: { ...db.env(), HYBRIDCTL_WORK_DIR: dir } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the database postgres://hybrid@127.0.0.1:${db.port}/${db.database} has not been bootstrapped`);
    expect(r.stderr).toContain('hybridctl cp migrations bootstrap');
    expect(r.stderr).not.toContain(db.password);
    const s = await runCli(['cp', 'migrations', 'status', '-o', 'json'], { env: db.env() });
    expect(s.code).toBe(1);
    expect(JSON.parse(s.stdout)).toMatchObject({ bootstrapped: false, up_to_date: false });
    const b = await runCli(['cp', 'migrations', 'bootstrap'], { env: db.env() });
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toContain('migrating 000_base');
    expect((await runCli(['cp', 'migrations', 'status'], { env: db.env() })).code).toBe(0);
  }, 60_000);

  it('a write on either CP is served by DPs on both; a killed CP and a restarted database lose no request and no write', async () => {
    const db = await server.createDatabase();
    expect((await runCli(['cp', 'migrations', 'bootstrap'], { env: db.env() })).code).toBe(0);
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const up = await upstream();
    const [port1, port2] = [await freePort(), await freePort()];
    // HAProxy sends new connections to the first CP that is up: both DPs start on CP1.
    const lb = await startHaproxy({ backends: [{ host: '127.0.0.1', port: port1 }, { host: '127.0.0.1', port: port2 }], balance: 'first' });
    const cp1 = await cp(p, db, join(dir, 'cp1'), port1);
    const cp2 = await cp(p, db, join(dir, 'cp2'), port2);
    await lb.waitForStatus(0, 'UP');
    await lb.waitForStatus(1, 'UP');
    const dp1 = await dp(p, join(dir, 'dp1'), lb.port);
    const dp2 = await dp(p, join(dir, 'dp2'), lb.port);

    expect((await post(`${cp1.admin}/services`, { name: 's1', url: `http://127.0.0.1:${up.port}` })).status).toBe(201);
    expect((await post(`${cp1.admin}/services/s1/routes`, { name: 'r1', paths: ['/one'] })).status).toBe(201);
    for (const d of [dp1, dp2]) await until(async () => (await get(`${d.proxy}/one`)) === 200, 'route from CP1 served', 20_000);
    // One name created 50 times at once through both CPs: the database lets exactly one through.
    const codes = await Promise.all(Array.from({ length: 50 }, (_, i) => post(`${(i % 2 ? cp1 : cp2).admin}/consumers`, { username: 'dup' }).then((r) => r.status)));
    expect(codes.filter((c) => c === 201)).toHaveLength(1);
    expect(codes.filter((c) => c === 409)).toHaveLength(49);
    // Every CP lists every DP, whichever CP each is connected to.
    await until(async () => {
      const list = (await (await fetch(`${cp2.admin}/clustering/data-planes`)).json()) as { data: { sync_status: string }[] };
      return list.data.length === 2 && list.data.every((x) => x.sync_status === 'normal');
    }, 'CP2 lists both DPs', 20_000);

    // Load on both DPs while CP1 dies: the DPs keep their configuration and reconnect to CP2.
    let failed = 0;
    let sent = 0;
    let loading = true;
    const load = (async () => {
      while (loading) {
        const codes = await Promise.all([get(`${dp1.proxy}/one`), get(`${dp2.proxy}/one`)]);
        sent += 2;
        failed += codes.filter((c) => c !== 200).length;
      }
    })();
    cp1.d.proc.kill('SIGKILL');
    await cp1.d.exited;
    await lb.waitForStatus(0, 'DOWN');
    expect((await post(`${cp2.admin}/services/s1/routes`, { name: 'r2', paths: ['/two'] })).status).toBe(201);
    for (const d of [dp1, dp2]) await until(async () => (await get(`${d.proxy}/two`)) === 200, 'route from CP2 served after failover', 30_000);

    // The database restarts: CP2 answers writes 503 meanwhile, naming it; the DPs keep serving.
    await server.stop();
    const refused = await post(`${cp2.admin}/services/s1/routes`, { name: 'r3', paths: ['/three'] });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { message: string }).message).toContain(`postgres://hybrid@127.0.0.1:${db.port}/${db.database} is unavailable`);
    expect((await (await fetch(`${cp2.admin}/routes/r1`)).json()) as object).toMatchObject({ name: 'r1' });
    expect((await (await fetch(`${cp2.admin}/status`)).json()) as object).toMatchObject({ database: { reachable: false } });
    // A data plane that connects while the database is down still gets the configuration.
    const dp3 = await dp(p, join(dir, 'dp3'), cp2.cluster);
    await until(async () => (await get(`${dp3.proxy}/two`)) === 200, 'new DP served during the outage', 20_000);
    await server.start();
    await until(async () => (await post(`${cp2.admin}/services/s1/routes`, { name: 'r3', paths: ['/three'] })).status === 201, 'writes accepted again', 30_000);
    for (const d of [dp1, dp2]) await until(async () => (await get(`${d.proxy}/three`)) === 200, 'route after the restart served', 20_000);
    expect((await (await fetch(`${cp2.admin}/status`)).json()) as object).toMatchObject({ database: { reachable: true } });
    loading = false;
    await load;
    expect(sent).toBeGreaterThan(20);
    expect(failed).toBe(0);
    const routes = (await (await fetch(`${cp2.admin}/routes`)).json()) as { data: { name: string }[] };
    expect(routes.data.map((r) => r.name).sort()).toEqual(['r1', 'r2', 'r3']);
    expect(cp2.d.stderr()).not.toContain(db.password);
    up.server.close();
  }, 180_000);
});
