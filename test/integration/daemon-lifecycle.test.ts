// The daemons' lifecycle as Kong's (kong/cmd/start.lua "Kong is already running in <prefix>",
// quit.lua, health.lua, reload.lua), with real processes on loopback: one daemon per prefix, its
// pid file, and cp|dp health / stop / reload.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { pki, post, startCp, startDp, until } from '../helpers/cluster.js';
import { startDaemon } from '../helpers/daemon.js';

const pidFile = (prefix: string) => join(prefix, 'pids', 'hybridctl.pid');

/** An upstream that holds /slow requests until the test lets them go. */
async function holdingUpstream() {
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/slow')) held.push(res);
    else res.end('fast');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    held,
    release: () => {
      for (const r of held.splice(0)) r.end('slow done');
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

async function routed(admin: string, proxy: string, upstreamPort: number) {
  expect((await post(`${admin}/services`, { name: 'up', url: `http://127.0.0.1:${upstreamPort}` })).status).toBe(201);
  expect((await post(`${admin}/services/up/routes`, { name: 'r', paths: ['/'] })).status).toBe(201);
  await until(async () => (await fetch(`${proxy}/fast`)).status === 200, 'route served by the data plane');
}

describe('one daemon per prefix', () => {
  it('refuses a second cp run on a running prefix with exit 1 and one line naming it', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const prefix = join(dir, 'cp');
    const cp = await startCp(p, prefix);
    const pid = Number(readFileSync(pidFile(prefix), 'utf8').trim());
    expect(pid).toBe(cp.d.proc.pid);
    const second = await runCli(['cp', 'run', '--prefix', prefix, '--cluster-listen', `127.0.0.1:${await freePort()}`, '--admin-listen', `127.0.0.1:${await freePort()}`, '--status-listen', 'off']);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`error: hybridctl is already running in ${prefix} (pid ${pid})`);
    // The running one keeps its pid file and keeps serving.
    expect(readFileSync(pidFile(prefix), 'utf8').trim()).toBe(String(pid));
    expect((await fetch(`${cp.admin}/status`)).status).toBe(200);
    expect(await cp.d.stop('SIGTERM')).toBe(0);
    expect(existsSync(pidFile(prefix))).toBe(false);
  });

  it('refuses a second dp run on the same prefix (one node id, one CP row)', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const prefix = join(dir, 'dp');
    const cluster = await freePort();
    await startDp(p, prefix, cluster);
    const second = await runCli(['dp', 'run', '--prefix', prefix, '--cp-address', `localhost:${cluster}`, '--cluster-mtls', 'pki', '--ca-cert-file', p('ca.crt'),
      '--cert-file', p('dp.crt'), '--key-file', p('dp.key'), '--proxy-listen', `127.0.0.1:${await freePort()}`, '--status-listen', 'off']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`already running in ${prefix.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(pid \\d+\\)`));
    expect(second.stderr).toContain(`hybridctl dp stop -p ${prefix}`);
  });

  it('takes over a pid file left by a process that is gone', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const prefix = join(dir, 'cp');
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    mkdirSync(join(prefix, 'pids'), { recursive: true });
    writeFileSync(pidFile(prefix), `${dead}\n`);
    const cp = await startCp(p, prefix);
    expect(readFileSync(pidFile(prefix), 'utf8').trim()).toBe(String(cp.d.proc.pid));
    expect((await runCli(['cp', 'health', '-p', prefix])).code).toBe(0);
  });
});

describe('cp|dp health', () => {
  it('exits 1 naming the prefix when nothing runs, 0 with the pid when it runs', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const prefix = join(dir, 'cp');
    const none = await runCli(['cp', 'health', '-p', prefix]);
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toBe(`error: hybridctl is not running in ${prefix}`);
    const cp = await startCp(p, prefix);
    const text = await runCli(['cp', 'health', '-p', prefix]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`control plane is running in ${prefix} (pid ${cp.d.proc.pid})`);
    const json = await runCli(['cp', 'health', '--prefix', prefix, '-o', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ prefix, running: true, pid: cp.d.proc.pid });
    // KONG_PREFIX names the prefix as it does for Kong.
    expect((await runCli(['cp', 'health'], { env: { KONG_PREFIX: prefix } })).code).toBe(0);
    await cp.d.stop('SIGINT');
    const after = await runCli(['cp', 'health', '-p', prefix, '-o', 'json']);
    expect(after.code).toBe(1);
    expect(JSON.parse(after.stdout)).toEqual({ prefix, running: false, pid: null });
  });

  it('stop and reload refuse with one line naming the prefix when nothing runs', async () => {
    const prefix = join(tempDir(), 'nothing');
    for (const cmd of ['stop', 'reload']) {
      const r = await runCli(['dp', cmd, '-p', prefix]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(`error: hybridctl is not running in ${prefix}`);
    }
    const bad = await runCli(['dp', 'stop', '-p', prefix, '--timeout', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("invalid value 'soon' for --timeout");
  });
});

describe('cp|dp stop', () => {
  it('stops accepting, lets an in-flight proxied request finish, then exits 0 and removes the pid file', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const up = await holdingUpstream();
    const cp = await startCp(p, join(dir, 'cp'));
    const prefix = join(dir, 'dp');
    const dp = await startDp(p, prefix, cp.cluster);
    await routed(cp.admin, dp.proxy, up.port);

    const inFlight = fetch(`${dp.proxy}/slow`).then(async (r) => ({ status: r.status, body: await r.text() }));
    await until(async () => up.held.length === 1, 'the slow request reached the upstream');
    const stopping = runCli(['dp', 'stop', '-p', prefix, '--timeout', '60']);
    await dp.d.waitFor((l) => l.msg === 'stopping' && l.signal === 'SIGQUIT', 20_000, 'SIGQUIT received');
    // No new connection is accepted while the drain runs.
    await until(async () => fetch(`${dp.proxy}/fast`, { headers: { connection: 'close' } }).then(() => false, () => true), 'the proxy listener closed');
    expect(dp.d.proc.exitCode).toBeNull();
    up.release();
    expect(await inFlight).toEqual({ status: 200, body: 'slow done' });
    const r = await stopping;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`data plane stopped (gracefully) in ${prefix}`);
    expect(await dp.d.exited).toBe(0);
    expect(existsSync(pidFile(prefix))).toBe(false);
    await up.close();
  });

  it('forces the stop when the drain outlasts --timeout', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const up = await holdingUpstream();
    const cp = await startCp(p, join(dir, 'cp'));
    const prefix = join(dir, 'dp');
    const dp = await startDp(p, prefix, cp.cluster);
    await routed(cp.admin, dp.proxy, up.port);
    const inFlight = fetch(`${dp.proxy}/slow`).then((r) => r.status, () => 'cut');
    await until(async () => up.held.length === 1, 'the slow request reached the upstream');
    const r = await runCli(['dp', 'stop', '-p', prefix, '-t', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`timeout: data plane stopped forcefully in ${prefix}`);
    expect(dp.d.proc.exitCode ?? dp.d.proc.signalCode).not.toBeNull();
    expect(await inFlight).toBe('cut');
    expect(existsSync(pidFile(prefix))).toBe(false);
    up.release();
    await up.close();
  });
});

describe('reload on a control plane', () => {
  it('refuses a new kong.conf with errors and keeps serving; names what needs a restart; applies log_level', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const prefix = join(dir, 'cp');
    const [cluster, admin, other] = [await freePort(), await freePort(), await freePort()];
    const conf = join(dir, 'kong.conf');
    const lines = (extra: string[]) => [
      'role = control_plane', 'cluster_mtls = pki', `cluster_cert = ${p('cp.crt')}`, `cluster_cert_key = ${p('cp.key')}`, `cluster_ca_cert = ${p('ca.crt')}`,
      `cluster_listen = 127.0.0.1:${cluster}`, 'status_listen = off', `prefix = ${prefix}`, ...extra, '',
    ].join('\n');
    writeFileSync(conf, lines([`admin_listen = 127.0.0.1:${admin}`, 'log_level = info']));
    const d = startDaemon(['cp', 'run', '-c', conf]);
    await d.waitFor((l) => l.msg === 'control plane started', 20_000, 'control plane start');

    writeFileSync(conf, lines([`admin_listen = 127.0.0.1:${admin}`, 'log_level = loud']));
    expect((await runCli(['cp', 'reload', '-p', prefix])).code).toBe(0);
    const refused = await d.waitFor((l) => l.msg.startsWith('reload refused'), 20_000, 'reload refused');
    expect(refused.level).toBe('error');
    expect(refused.msg).toContain('log_level');
    expect((await fetch(`http://127.0.0.1:${admin}/status`)).status).toBe(200);

    writeFileSync(conf, lines([`admin_listen = 127.0.0.1:${other}`, 'log_level = debug']));
    process.kill(d.proc.pid!, 'SIGHUP');
    const restart = await d.waitFor((l) => l.msg === 'admin_listen changed; restart to apply', 20_000, 'restart line');
    expect(restart.level).toBe('warn');
    await d.waitFor((l) => l.msg === 'configuration reloaded', 20_000, 'reloaded');
    // The listener stays where it was; the new log level is in force.
    expect((await fetch(`http://127.0.0.1:${admin}/status`)).status).toBe(200);
    await expect(fetch(`http://127.0.0.1:${other}/status`)).rejects.toThrow();
    expect((await post(`http://127.0.0.1:${admin}/services`, { name: 's', url: 'http://127.0.0.1:9' })).status).toBe(201);
    await d.waitFor((l) => l.level === 'debug' && l.msg === 'configuration rebuilt', 20_000, 'a debug line after the reload');
    expect(d.lines.filter((l) => l.level === 'debug' && l.msg === 'configuration rebuilt')).toHaveLength(1);
    expect(d.proc.exitCode).toBeNull();
  });
});
