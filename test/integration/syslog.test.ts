// The syslog plugin through real `cp run` and `dp run` processes and a real Unix datagram receiver
// (python3) standing in for /dev/log: Kong's PRI for each status class, the JSON payload, log_level
// filtering, a receiver that goes away and comes back, a missing logger, and a receiver that stops
// reading (lines dropped and reported, requests never held up).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { pki, post, startCp, startDp, until } from '../helpers/cluster.js';
import type { Daemon } from '../helpers/daemon.js';

type Row = Record<string, any>;
const dir = mkdtempSync(join(tmpdir(), 'hybridctl-syslog-'));
let certs: (f: string) => string;
let upstream: Server;
let upstreamPort = 0;

// Binds a datagram socket at argv[1] (replacing a stale one) and appends each datagram, one per line.
const RECEIVER = `
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
if os.path.exists(path): os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(out, 'ab', buffering=0) as f:
    while True:
        f.write(s.recv(1 << 20) + b'\\n')
`;

interface Receiver { proc: ChildProcess; lines(): string[]; stop(): Promise<void> }

async function receiver(socket: string, out: string): Promise<Receiver> {
  const proc = spawn('python3', ['-c', RECEIVER, socket, out], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  };
  onTestFinished(stop);
  await until(async () => existsSync(socket), `the receiver bound at ${socket}`);
  return { proc, lines: () => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean) : []), stop };
}

/** `<PRI>Mmm dd hh:mm:ss kong[PID]: {json}`, as glibc's syslog(3) writes to /dev/log. */
function parse(line: string): { pri: number; pid: number; message: Row } {
  const m = /^<(\d+)>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d kong\[(\d+)\]: (\{.*\})$/.exec(line);
  if (!m) throw new Error(`not a syslog line: ${line.slice(0, 200)}`);
  return { pri: Number(m[1]), pid: Number(m[2]), message: JSON.parse(m[3]!) as Row };
}

const byId = (r: Receiver, id: string) => until(async () => r.lines().map(parse).find((l) => l.message.request.headers['x-log-id'] === id), `the syslog line for ${id}`);

async function cluster(name: string, dpEnv: Record<string, string | undefined>, workers: number) {
  const cp = await startCp(certs, join(dir, name, 'cp'));
  const dp = await startDp(certs, join(dir, name, 'dp'), cp.cluster, ['--nginx-worker-processes', String(workers)], dpEnv);
  expect((await post(`${cp.admin}/services`, { name: 'echo', url: `http://127.0.0.1:${upstreamPort}` })).status).toBe(201);
  const route = async (path: string, config: Row) => {
    expect((await post(`${cp.admin}/services/echo/routes`, { name: `r${path.replace('/', '-')}`, paths: [path] })).status).toBe(201);
    const r = await post(`${cp.admin}/routes/r${path.replace('/', '-')}/plugins`, { name: 'syslog', config });
    expect(r.status, await r.clone().text()).toBe(201);
  };
  return { cp, dp, route, get: (path: string, id: string, headers: Record<string, string> = {}) => fetch(`${dp.proxy}${path}`, { headers: { 'x-log-id': id, ...headers } }) };
}

const served = (c: { get: (p: string, id: string) => Promise<Response> }, path: string) => until(async () => (await c.get(path, 'probe')).status === 200, `${path} served`);
const warnings = (d: Daemon, re: RegExp) => d.lines.filter((l) => l.level === 'warn' && re.test(l.msg));

beforeAll(async () => {
  certs = await pki(join(dir, 'pki'));
  // `/…/status/<code>` answers that code, anything else 200.
  upstream = createServer((req, res) => {
    const m = /\/status\/(\d{3})/.exec(req.url ?? '');
    res.writeHead(m ? Number(m[1]) : 200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamPort = (upstream.address() as AddressInfo).port;
}, 60_000);
afterAll(async () => {
  await new Promise((r) => upstream?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('syslog plugin', () => {
  it("sends Kong's PRI (facility × 8 + severity by status) and the serialized JSON; log_level filters; two workers, one logger each", async () => {
    const socket = join(dir, 'main.sock');
    const r = await receiver(socket, join(dir, 'main.out'));
    const c = await cluster('main', { HYBRIDCTL_SYSLOG_SOCKET: socket }, 2);
    await c.route('/a', { facility: 'local4', successful_severity: 'info', client_errors_severity: 'warning', server_errors_severity: 'crit' });
    await c.route('/b', { log_level: 'warning', server_errors_severity: 'err' });
    await served(c, '/a');
    await served(c, '/b');

    expect((await c.get('/a/ok?x=1', 'ok-1', { authorization: 'Bearer not-for-logs' })).status).toBe(200);
    expect((await c.get('/a/status/404', 'client-1')).status).toBe(404);
    expect((await c.get('/a/status/503', 'server-1')).status).toBe(503);
    const ok = await byId(r, 'ok-1');
    // local4 (20) × 8 + info (6), warning (4), crit (2).
    expect(ok.pri).toBe(166);
    expect((await byId(r, 'client-1')).pri).toBe(164);
    expect((await byId(r, 'server-1')).pri).toBe(162);
    expect(ok.message).toMatchObject({
      request: { method: 'GET', uri: '/a/ok?x=1', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/a\/ok\?x=1$/), querystring: { x: '1' }, headers: { authorization: 'REDACTED' } },
      response: { status: 200 },
      upstream_uri: '/ok?x=1',
      upstream_status: '200',
      route: { name: 'r-a', paths: ['/a'] },
      service: { name: 'echo', port: upstreamPort },
      client_ip: '127.0.0.1',
      workspace_name: 'default',
      latencies: { kong: expect.any(Number), proxy: expect.any(Number), request: expect.any(Number) },
      started_at: expect.any(Number),
    });
    expect(JSON.stringify(ok.message)).not.toContain('not-for-logs');

    // log_level warning: info-level successes and client errors are not sent; the 500 (err) is, as user.err.
    for (const [path, id] of [['/b/ok', 'b-ok'], ['/b/status/404', 'b-404'], ['/b/status/500', 'b-500']] as const) await c.get(path, id);
    expect((await byId(r, 'b-500')).pri).toBe(1 * 8 + 3);
    await new Promise((done) => setTimeout(done, 300));
    const ids = r.lines().map(parse).map((l) => l.message.request.headers['x-log-id']);
    expect(ids).not.toContain('b-ok');
    expect(ids).not.toContain('b-404');

    // Each worker sends with its own pid (syslog's LOG_PID), never the sync process's.
    for (let i = 0; i < 20; i++) await c.get('/a/ok', `spread-${i}`);
    await byId(r, 'spread-19');
    const pids = new Set(r.lines().map(parse).map((l) => l.pid));
    expect(pids.size).toBeGreaterThanOrEqual(1);
    expect(pids.size).toBeLessThanOrEqual(2);
    expect(pids.has(c.dp.d.proc.pid!)).toBe(false);

    // The receiver goes away: requests are served, at most one warning per worker, and once it is
    // back the restarted logger reaches it.
    await r.stop();
    for (let i = 0; i < 10; i++) expect((await c.get('/a/ok', `while-down-${i}`)).status).toBe(200);
    await until(async () => warnings(c.dp.d, /\[syslog\] cannot send to syslog: logger: socket .*: Connection refused/).length > 0, 'the warning');
    const back = await receiver(socket, join(dir, 'main-back.out'));
    const again = await until(async () => {
      await c.get('/a/ok', 'after-restart');
      return back.lines().map(parse).find((l) => l.message.request.headers['x-log-id'] === 'after-restart');
    }, 'a line through the restarted logger', 30_000);
    expect(again.pri).toBe(166);
    expect(warnings(c.dp.d, /cannot send to syslog/).length).toBeLessThanOrEqual(2);
  }, 120_000);

  it('the control plane validates the config with Kong\'s defaults and enums', async () => {
    const cp = await startCp(certs, join(dir, 'schema', 'cp'));
    const created = await post(`${cp.admin}/plugins`, { name: 'syslog' });
    expect(created.status).toBe(201);
    expect(((await created.json()) as Row).config).toEqual({
      log_level: 'info', successful_severity: 'info', client_errors_severity: 'info', server_errors_severity: 'info', custom_fields_by_lua: null, facility: 'user',
    });
    const bad = await post(`${cp.admin}/plugins`, { name: 'syslog', config: { facility: 'local9', log_level: 'loud' } });
    expect(bad.status).toBe(400);
    const fields = ((await bad.json()) as Row).fields.config;
    expect(fields.facility).toBe('expected one of: auth, authpriv, cron, daemon, ftp, kern, lpr, mail, news, syslog, user, uucp, local0, local1, local2, local3, local4, local5, local6, local7');
    expect(fields.log_level).toBe('expected one of: debug, info, notice, warning, err, crit, alert, emerg');
  }, 60_000);

  it('without logger on PATH: requests are served and the data plane says so once', async () => {
    const socket = join(dir, 'nologger.sock');
    await receiver(socket, join(dir, 'nologger.out'));
    const c = await cluster('nologger', { HYBRIDCTL_SYSLOG_SOCKET: socket, PATH: join(dir, 'empty-path') }, 1);
    await c.route('/a', {});
    await served(c, '/a');
    for (let i = 0; i < 5; i++) {
      expect((await c.get('/a/ok', `n-${i}`)).status).toBe(200);
      await new Promise((done) => setTimeout(done, 300));
    }
    await until(async () => warnings(c.dp.d, /\[syslog\] cannot send to syslog: logger not found on PATH/).length > 0, 'the warning');
    expect(warnings(c.dp.d, /cannot send to syslog/)).toHaveLength(1);
    expect(warnings(c.dp.d, /\[syslog\] syslog lines dropped: logger is not running/)[0]).toMatchObject({ dropped: expect.any(Number), dropped_total: expect.any(Number) });
  }, 60_000);

  it('a receiver that stops reading: lines are dropped and counted, requests are not held up', async () => {
    const socket = join(dir, 'slow.sock');
    const r = await receiver(socket, join(dir, 'slow.out'));
    const c = await cluster('slow', { HYBRIDCTL_SYSLOG_SOCKET: socket }, 1);
    await c.route('/a', {});
    await served(c, '/a');
    expect((await c.get('/a/ok', 'before')).status).toBe(200);
    await byId(r, 'before');

    r.proc.kill('SIGSTOP');
    onTestFinished(() => { r.proc.kill('SIGCONT'); });
    // ~10 KiB per line: logger blocks on the full socket, its pipe fills, then this worker's 4 MiB.
    const big = 'x'.repeat(10_000);
    const started = Date.now();
    for (let batch = 0; batch < 60; batch++) {
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => c.get('/a/ok', `flood-${batch}-${i}`, { 'x-padding': big })));
      for (const a of answers) expect(a.status).toBe(200);
    }
    expect(Date.now() - started).toBeLessThan(30_000);
    const dropped = await until(async () => warnings(c.dp.d, /\[syslog\] syslog lines dropped: logger does not keep up/)[0], 'the drop warning');
    expect(dropped).toMatchObject({ socket, dropped: expect.any(Number), dropped_total: expect.any(Number) });

    r.proc.kill('SIGCONT');
    await until(async () => {
      await c.get('/a/ok', 'after');
      return r.lines().some((l) => l.includes('"x-log-id":"after"'));
    }, 'lines flowing again', 30_000);
    const received = r.lines().filter((l) => l.includes('"x-log-id":"flood-')).length;
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(600);
  }, 120_000);
});
