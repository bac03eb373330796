// CP and DP as real processes on loopback: Admin API write → sync over mTLS → traffic through the DP,
// and what happens when the CP goes away, the DP restarts, or the cache is damaged.
import { describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { startDaemon } from '../helpers/daemon.js';
import { pki, post, startCp, startDp, until, upstream } from '../helpers/cluster.js';
import { PROXY_PASSWORD, startTinyproxy } from '../helpers/forward-proxy.js';


describe('control plane + data plane processes', () => {
  it('syncs an Admin API write to the DP, keeps serving without the CP, and restarts from the cache', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const up = await upstream();
    try {
      const cp = await startCp(p, join(dir, 'cp'));
      const dp = await startDp(p, join(dir, 'dp'), cp.cluster);

      expect((await fetch(`${dp.status}/status/ready`)).status).toBe(503);
      expect((await post(`${cp.admin}/services`, { name: 'up', url: `http://127.0.0.1:${up.port}/base` })).status).toBe(201);
      expect((await post(`${cp.admin}/services/up/routes`, { name: 'r1', paths: ['/api'] })).status).toBe(201);

      const res = await until(async () => {
        const r = await fetch(`${dp.proxy}/api/things?x=1`);
        return r.status === 200 ? r : undefined;
      }, 'route served by the DP');
      expect(await res.json()).toMatchObject({ path: '/base/things?x=1' });
      const nomatch = await fetch(`${dp.proxy}/nothing`);
      expect(nomatch.status).toBe(404);
      expect(await nomatch.json()).toEqual({ message: 'no Route matched with those values' });

      const ready = await fetch(`${dp.status}/status/ready`);
      expect(ready.status).toBe(200);
      const hash = ((await (await fetch(`${dp.status}/status`)).json()) as { configuration_hash: string }).configuration_hash;
      expect(hash).toMatch(/^[0-9a-f]{32}$/);
      const rows = await until(async () => {
        const body = (await (await fetch(`${cp.admin}/clustering/data-planes`)).json()) as { data: { config_hash: string; sync_status: string; ip: string }[] };
        return body.data.length === 1 && body.data[0]!.config_hash === hash ? body.data : undefined;
      }, 'the CP records the DP with its hash');
      expect(rows[0]).toMatchObject({ ip: '127.0.0.1', sync_status: 'normal' });

      // The CP goes away: the DP keeps proxying with what it has.
      expect(await cp.d.stop('SIGINT')).toBe(0); // Ctrl-C stops as gracefully as SIGTERM
      expect((await fetch(`${dp.proxy}/api/again`)).status).toBe(200);
      expect((await fetch(`${dp.status}/status/ready`)).status).toBe(200);

      // The DP restarts while the CP is down: it serves from its cache.
      expect(await dp.d.stop()).toBe(0);
      expect(existsSync(join(dir, 'dp', 'dbless.lmdb'))).toBe(true);
      const dp2 = await startDp(p, join(dir, 'dp'), cp.cluster);
      await dp2.d.waitFor((l) => /cached configuration/.test(l.msg), 10_000, 'cache load');
      expect((await fetch(`${dp2.proxy}/api/cached`)).status).toBe(200);
      expect((await fetch(`${dp2.status}/status/ready`)).status).toBe(200);
      expect(((await (await fetch(`${dp2.status}/status`)).json()) as { configuration_hash: string }).configuration_hash).toBe(hash);
      expect(up.seen).toEqual(['/base/things?x=1', '/base/again', '/base/cached']);
    } finally {
      up.server.close();
    }
  }, 90_000);

  it('keeps its store across a CP restart and a reconnecting DP gets the same hash', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    let cp = await startCp(p, join(dir, 'cp'));
    expect((await post(`${cp.admin}/services`, { name: 's', url: 'http://127.0.0.1:9/' })).status).toBe(201);
    expect((await post(`${cp.admin}/routes`, { name: 'r', hosts: ['example.test'], service: { name: 's' } })).status).toBe(201);
    const dp = await startDp(p, join(dir, 'dp'), cp.cluster);
    const first = await until(async () => {
      const h = ((await (await fetch(`${dp.status}/status`)).json()) as { configuration_hash: string }).configuration_hash;
      return h !== '0'.repeat(32) ? h : undefined;
    }, 'first sync');
    expect(await cp.d.stop()).toBe(0);
    const port = cp.cluster;
    cp = await startCp(p, join(dir, 'cp'));
    expect(cp.cluster).not.toBe(port); // a fresh port: the DP is pointed at it by a restart below
    const services = (await (await fetch(`${cp.admin}/services`)).json()) as { data: { name: string }[] };
    expect(services.data.map((s) => s.name)).toEqual(['s']);
    await dp.d.stop();
    const dp2 = await startDp(p, join(dir, 'dp'), cp.cluster);
    // The restarted DP serves its cache; the new CP has the same store, so the same hash, and
    // the DP records it as seen without re-applying.
    await until(async () => {
      const body = (await (await fetch(`${cp.admin}/clustering/data-planes`)).json()) as { data: { config_hash: string }[] };
      return body.data.some((r) => r.config_hash === first) ? true : undefined;
    }, 'the new CP sees the DP on the same hash');
    const h2 = ((await (await fetch(`${dp2.status}/status`)).json()) as { configuration_hash: string }).configuration_hash;
    expect(h2).toBe(first);
    // The node id lives in the DP prefix: one row, not one per start.
    const rows = (await (await fetch(`${cp.admin}/clustering/data-planes`)).json()) as { data: { id: string }[] };
    expect(rows.data).toHaveLength(1);
    expect(rows.data[0]!.id).toBe(readFileSync(join(dir, 'dp', 'kong.id'), 'utf8').trim());
    expect(dp2.d.lines.some((l) => l.msg === 'configuration applied')).toBe(false);
  }, 90_000);

  it('runs nginx_worker_processes proxy workers that share the port, get every config, and are replaced when one dies', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const up = await upstream();
    try {
      const cp = await startCp(p, join(dir, 'cp'));
      const dp = await startDp(p, join(dir, 'dp'), cp.cluster, ['--nginx-worker-processes', '2']);
      const workers = () => [...new Set(dp.d.lines.filter((l) => l.component === 'proxy' && l.msg === 'listening').map((l) => Number(l.worker)))];
      expect(workers()).toHaveLength(2);
      expect((await post(`${cp.admin}/services`, { name: 'up', url: `http://127.0.0.1:${up.port}` })).status).toBe(201);
      expect((await post(`${cp.admin}/services/up/routes`, { paths: ['/w'] })).status).toBe(201);
      await until(async () => ((await fetch(`${dp.proxy}/w`)).status === 200 ? true : undefined), 'served by the workers');
      for (let i = 0; i < 20; i++) expect((await fetch(`${dp.proxy}/w/${i}`, { headers: { connection: 'close' } })).status).toBe(200);
      const [victim] = workers();
      process.kill(victim!, 'SIGKILL');
      await dp.d.waitFor((l) => l.component === 'proxy' && l.msg === 'listening' && Number(l.worker) !== victim && !workers().slice(0, 2).includes(Number(l.worker)), 10_000, 'a replacement worker');
      for (let i = 0; i < 20; i++) expect((await fetch(`${dp.proxy}/w/again-${i}`, { headers: { connection: 'close' } })).status).toBe(200);
      const all = workers();
      expect(await dp.d.stop()).toBe(0);
      for (const pid of all.filter((x) => x !== victim)) expect(() => process.kill(pid, 0)).toThrow();
    } finally {
      up.server.close();
    }
  }, 90_000);

  it('terminates TLS on ssl proxy_listen entries with a generated default certificate, in every worker', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const seen: { proto?: string }[] = [];
    const { createServer: createHttp } = await import('node:http');
    const up = createHttp((req, res) => {
      seen.push({ proto: req.headers['x-forwarded-proto'] as string });
      res.end('ok');
    });
    await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
    const { request } = await import('node:https');
    const get = (port: number, path: string) =>
      new Promise<{ status: number; issuer: string }>((done, fail) => {
        const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false }, (res) => {
          const issuer = String((res.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN ?? '');
          res.resume();
          res.on('end', () => done({ status: res.statusCode ?? 0, issuer }));
        });
        req.on('error', fail);
        req.end();
      });
    try {
      const cp = await startCp(p, join(dir, 'cp'));
      for (const workers of ['1', '2']) {
        const [plain, tls] = [await freePort(), await freePort()];
        const dp = await startDp(p, join(dir, `dp-${workers}`), cp.cluster, ['--proxy-listen', `127.0.0.1:${plain}, 127.0.0.1:${tls} http2 ssl`, '--nginx-worker-processes', workers]);
        if (workers === '1') {
          expect((await post(`${cp.admin}/services`, { name: 'up', url: `http://127.0.0.1:${(up.address() as AddressInfo).port}` })).status).toBe(201);
          expect((await post(`${cp.admin}/services/up/routes`, { paths: ['/both'] })).status).toBe(201);
          expect((await post(`${cp.admin}/services/up/routes`, { paths: ['/plain-only'], protocols: ['http'] })).status).toBe(201);
          expect((await post(`${cp.admin}/services/up/routes`, { paths: ['/tls-only'], protocols: ['https'] })).status).toBe(201);
        }
        await until(async () => ((await get(tls, '/both')).status === 200 ? true : undefined), 'served over TLS');
        expect(await get(tls, '/both')).toEqual({ status: 200, issuer: 'localhost' });
        expect(seen.at(-1)).toEqual({ proto: 'https' });
        expect((await get(tls, '/plain-only')).status).toBe(404);
        expect((await get(tls, '/tls-only')).status).toBe(200);
        expect((await fetch(`http://127.0.0.1:${plain}/tls-only`)).status).toBe(426);
        expect((await fetch(`http://127.0.0.1:${plain}/both`)).status).toBe(200);
        expect(seen.at(-1)).toEqual({ proto: 'http' });
        expect(existsSync(join(dir, `dp-${workers}`, 'ssl', 'kong-default.key'))).toBe(true);
        // The `http2` flag: HTTP/2 clients get HTTP/2, with the upstream's repeated headers intact.
        const { connect: h2connect } = await import('node:http2');
        const session = h2connect(`https://127.0.0.1:${tls}`, { rejectUnauthorized: false });
        const h2 = await new Promise<{ status: number; via: string; body: string }>((done, fail) => {
          const stream = session.request({ ':path': '/both/h2', ':authority': 'h2.test' });
          let body = '';
          let head: Record<string, unknown> = {};
          stream.on('response', (h) => (head = h));
          stream.on('data', (d: Buffer) => (body += d.toString()));
          stream.on('end', () => done({ status: Number(head[':status']), via: String(head.via), body }));
          stream.on('error', fail);
        });
        session.close();
        expect(h2).toMatchObject({ status: 200, body: 'ok' });
        expect(h2.via).toMatch(/kong/);
        expect(seen.at(-1)).toEqual({ proto: 'https' });
        await dp.d.stop();
      }
    } finally {
      up.close();
    }
  }, 90_000);

  it('a DP behind a forward proxy (tinyproxy, Basic auth) syncs through CONNECT and never logs the password', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const proxy = await startTinyproxy();
    const cp = await startCp(p, join(dir, 'cp'));
    expect((await post(`${cp.admin}/services`, { name: 'via-proxy', host: 'x.test' })).status).toBe(201);
    const dp = await startDp(p, join(dir, 'dp'), cp.cluster, ['--cluster-use-proxy', 'on', '--proxy-server', proxy.url(), '--cluster-server-name', 'localhost', '--log-level', 'debug']);
    await dp.d.waitFor((l) => l.msg === 'configuration applied', 20_000, 'config through the proxy');
    expect(dp.d.lines.find((l) => l.msg === 'connected to the control plane')).toMatchObject({ via_proxy: true, sni: 'localhost' });
    expect(proxy.log()).toMatch(new RegExp(`CONNECT localhost:${cp.cluster}`));
    expect(dp.d.stderr()).not.toContain(PROXY_PASSWORD);
  }, 60_000);

  it('takes its configuration from kong.conf, KONG_* and flags, in that order of precedence', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const [fromFile, fromEnv, admin] = [await freePort(), await freePort(), await freePort()];
    const conf = join(dir, 'kong.conf');
    writeFileSync(conf, [
      'role = control_plane', 'cluster_mtls = pki', `cluster_cert = ${p('cp.crt')}`, `cluster_cert_key = ${p('cp.key')}`, `cluster_ca_cert = ${p('ca.crt')}`,
      `cluster_listen = 127.0.0.1:${fromFile}`, `admin_listen = 127.0.0.1:${fromFile}   # overridden below`, 'status_listen = off', `prefix = ${join(dir, 'cp')}`, '',
    ].join('\n'));
    const cp = startDaemon(['cp', 'run', '-c', conf, '--admin-listen', `127.0.0.1:${admin}`], { KONG_CLUSTER_LISTEN: `127.0.0.1:${fromEnv}` });
    const started = await cp.waitFor((l) => l.msg === 'control plane started');
    expect(started).toMatchObject({ cluster_listen: `127.0.0.1:${fromEnv}`, admin_listen: `127.0.0.1:${admin}`, status_listen: 'off', cluster_mtls: 'pki', prefix: join(dir, 'cp') });
    expect((await fetch(`http://127.0.0.1:${admin}/status`)).status).toBe(200);
  }, 30_000);

  it('init dp prepares a node whose printed dp run command syncs from the CP', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const cp = await startCp(p, join(dir, 'cp'));
    expect((await post(`${cp.admin}/services`, { name: 'wizard', host: 'w.test' })).status).toBe(201);
    const node = join(dir, 'node');
    const init = await runCli(['init', 'dp', '--cp-address', `localhost:${cp.cluster}`, '--ca-cert', p('ca.crt'), '--issuer-cert', p('intermediate-1.crt'), '--issuer-key', p('intermediate-1.key'), '--out-dir', node]);
    expect(init.code, init.stderr).toBe(0);
    const command = /hybridctl (dp run -c \S+)/.exec(init.stdout + init.stderr)![1]!.split(' ');
    const [proxy, status] = [await freePort(), await freePort()];
    const dp = startDaemon([...command, '--proxy-listen', `127.0.0.1:${proxy}`, '--status-listen', `127.0.0.1:${status}`, '--nginx-worker-processes', '1']);
    await dp.waitFor((l) => l.msg === 'configuration applied', 20_000, 'sync of the new node');
    expect((await fetch(`http://127.0.0.1:${status}/status/ready`)).status).toBe(200);
    await dp.stop();
    // cluster_dp_labels travel in basic_info and show on the CP.
    const labelled = startDaemon([...command, '--proxy-listen', `127.0.0.1:${proxy}`, '--status-listen', 'off', '--nginx-worker-processes', '1', '--cluster-dp-labels', 'region:eu-west,tier:edge']);
    await labelled.waitFor((l) => l.msg === 'connected to the control plane');
    const row = await until(async () => {
      const body = (await (await fetch(`${cp.admin}/clustering/data-planes`)).json()) as { data: { labels: Record<string, string> }[] };
      return body.data.find((r) => r.labels?.region === 'eu-west');
    }, 'labels on the CP');
    expect(row.labels).toEqual({ region: 'eu-west', tier: 'edge' });
  }, 60_000);

  it('a CP without certificates generates a shared pair once, a DP syncs with it, and /metrics counts it', async () => {
    const dir = tempDir();
    const work = join(dir, 'work');
    const [cluster, admin] = [await freePort(), await freePort()];
    const args = ['cp', 'run', '--prefix', join(dir, 'cp'), '--cluster-listen', `127.0.0.1:${cluster}`, '--admin-listen', `127.0.0.1:${admin}`, '--status-listen', 'off'];
    const cp = startDaemon(args, { HYBRIDCTL_WORK_DIR: work });
    const gen = await cp.waitFor((l) => /generated a shared pair/.test(l.msg));
    expect(gen).toMatchObject({ cert_file: join(work, 'cluster.crt'), key_file: join(work, 'cluster.key'), valid_for: 'kong_clustering' });
    expect(String(gen.dp_flags)).toBe(`--cert-file ${join(work, 'cluster.crt')} --key-file ${join(work, 'cluster.key')}`);
    expect(cp.stderr()).not.toMatch(/PRIVATE KEY/);
    await cp.waitFor((l) => l.msg === 'control plane started');
    const [proxy, status] = [await freePort(), await freePort()];
    const dp = startDaemon(['dp', 'run', '--prefix', join(dir, 'dp'), '--cp-address', `127.0.0.1:${cluster}`, '--cert-file', join(work, 'cluster.crt'), '--key-file', join(work, 'cluster.key'),
      '--proxy-listen', `127.0.0.1:${proxy}`, '--status-listen', `127.0.0.1:${status}`, '--nginx-worker-processes', '1']);
    await dp.waitFor((l) => l.msg === 'connected to the control plane');
    expect((await post(`http://127.0.0.1:${admin}/services`, { name: 'm', host: 'm.test' })).status).toBe(201);
    await dp.waitFor((l) => l.msg === 'configuration applied' && l.config_hash !== undefined && dp.lines.filter((x) => x.msg === 'configuration applied').length >= 1);
    const metrics = await until(async () => {
      const text = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
      return /hybridctl_config_pushes_total [1-9]/.test(text) ? text : undefined;
    }, 'metrics show pushes');
    expect(metrics).toMatch(/^hybridctl_data_planes_connected 1$/m);
    expect(metrics).toMatch(/^hybridctl_config_push_seconds_count [1-9]\d*$/m);
    expect(await cp.stop()).toBe(0);
    const again = startDaemon(args, { HYBRIDCTL_WORK_DIR: work });
    await again.waitFor((l) => /using the generated shared pair/.test(l.msg));
  }, 60_000);

  it('refuses a configuration error with exit 2 and names the key', async () => {
    const dir = tempDir();
    const bad = startDaemon(['dp', 'run', '--prefix', join(dir, 'dp'), '--cp-address', 'cp:8005', '--cluster-use-proxy', 'on']);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toMatch(/cluster_use_proxy is turned on but no proxy_server is configured/);
    expect(bad.stderr()).toMatch(/cluster certificate and key must be provided to use Hybrid mode/);
    const unknown = startDaemon(['cp', 'run', '--prefix', join(dir, 'cp'), '--cluster-lisen', '127.0.0.1:1']);
    expect(await unknown.exited).toBe(2);
    expect(unknown.stderr()).toMatch(/did you mean --cluster-listen\?/);
    const pkiWithoutCert = startDaemon(['cp', 'run', '--prefix', join(dir, 'cp'), '--cluster-mtls', 'pki', '--cluster-ca-cert', '/dev/null', '--cluster-listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0']);
    expect(await pkiWithoutCert.exited).toBe(2);
    expect(pkiWithoutCert.stderr()).toMatch(/cluster_mtls = pki needs cluster_cert and cluster_cert_key|cluster_ca_cert/);
  }, 30_000);

  it('serves declarative_config until a control plane answers, when there is no cache', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const up = await upstream();
    try {
      const file = join(dir, 'kong.yml');
      writeFileSync(file, `_format_version: "3.0"\nservices:\n  - name: local\n    url: http://127.0.0.1:${up.port}/from-file\n    routes:\n      - name: local\n        paths: [/declared]\n`);
      const dp = await startDp(p, join(dir, 'dp'), await freePort(), ['--declarative-config', file]);
      await dp.d.waitFor((l) => /serving declarative_config/.test(l.msg));
      const r = await fetch(`${dp.proxy}/declared/x`);
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({ path: '/from-file/x' });
      expect((await fetch(`${dp.status}/status/ready`)).status).toBe(200);
      writeFileSync(file, '_format_version: "3.0"\nservices:\n  - name: broken\n');
      const bad = startDaemon(['dp', 'run', '--prefix', join(dir, 'dp-bad'), '--cp-address', '127.0.0.1:1', '--cluster-mtls', 'pki', '--ca-cert-file', p('ca.crt'), '--cert-file', p('dp.crt'), '--key-file', p('dp.key'),
        '--proxy-listen', `127.0.0.1:${await freePort()}`, '--status-listen', 'off', '--declarative-config', file]);
      expect(await bad.exited).toBe(2);
      expect(bad.stderr()).toMatch(/declarative_config .*kong\.yml is not a valid declarative configuration: declarative config is invalid: \{services=\{\{host="required field missing"\}\}\}/);
    } finally {
      up.server.close();
    }
  }, 60_000);

  it('exits 1 with the listener named when proxy_listen is taken, with and without workers', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const { createServer: createTcp } = await import('node:net');
    const holder = createTcp();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as AddressInfo).port;
    try {
      for (const workers of ['1', '2']) {
        const d = startDaemon(['dp', 'run', '--prefix', join(dir, `dp-${workers}`), '--cp-address', '127.0.0.1:1', '--cluster-mtls', 'pki', '--ca-cert-file', p('ca.crt'),
          '--cert-file', p('dp.crt'), '--key-file', p('dp.key'), '--proxy-listen', `127.0.0.1:${port}`, '--status-listen', 'off', '--nginx-worker-processes', workers]);
        expect(await d.exited).toBe(1);
        expect(d.stderr()).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}.*address in use`));
      }
    } finally {
      holder.close();
    }
  }, 60_000);

  it('falls back from a corrupt cache to an empty config and says so', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const cache = join(dir, 'dp', 'dbless.lmdb');
    // A cache directory whose data file is garbage.
    const { mkdirSync } = await import('node:fs');
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, 'data.mdb'), Buffer.alloc(8192, 0x5a));
    const dp = await startDp(p, join(dir, 'dp'), await freePort());
    await dp.d.waitFor((l) => l.level === 'warn' || l.level === 'error', 10_000, 'a warning about the cache');
    expect(dp.d.stderr()).toMatch(/cache/i);
    expect((await fetch(`${dp.status}/status/ready`)).status).toBe(503);
    expect((await fetch(`${dp.proxy}/x`)).status).toBe(404);
    expect(readdirSync(cache).length).toBeGreaterThan(0);
  }, 60_000);

  it('says clearly when the CP certificate does not match cluster_server_name', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const cp = await startCp(p, join(dir, 'cp'));
    const dp = await startDp(p, join(dir, 'dp'), cp.cluster, ['--server-name', 'cp.wrong.example']);
    const line = await dp.d.waitFor((l) => l.level === 'error' && /cp\.wrong\.example/.test(JSON.stringify(l)), 20_000, 'name mismatch error');
    expect(JSON.stringify(line)).toMatch(/cluster_server_name|--server-name/);
    expect((await fetch(`${dp.status}/status/ready`)).status).toBe(503);
  }, 60_000);
});
