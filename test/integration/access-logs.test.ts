// Access logs through real `cp run` and `dp run` processes: Kong's default files under the
// prefix, nginx's combined format (admin) and Kong's kong_log_format (proxy, two workers appending
// to one file), nginx's escaping, reopening after logrotate's rename on SIGUSR1, `off`, and an
// unwritable path refused at start.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { getOnce, pki, post, startCp, startDp, until, upstream } from '../helpers/cluster.js';

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

// nginx's combined format, with Kong's kong_request_id suffix on the proxy.
const COMBINED = /^(\S+) - (\S+) \[(\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] "([^"]*)" (\d{3}) (\d+) "([^"]*)" "([^"]*)"( kong_request_id: "([0-9a-f]+)")?$/;

const send = getOnce;

describe('access logs', () => {
  it('writes admin and proxy lines in Kong\'s formats and reopens them on SIGUSR1', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const up = await upstream();
    try {
      const cp = await startCp(p, join(dir, 'cp'));
      const dp = await startDp(p, join(dir, 'dp'), cp.cluster, ['--nginx-worker-processes', '2']);
      expect((await post(`${cp.admin}/services`, { name: 's', url: `http://127.0.0.1:${up.port}` })).status).toBe(201);
      expect((await post(`${cp.admin}/services/s/routes`, { paths: ['/r'] })).status).toBe(201);

      // admin_access_log = logs/admin_access.log, combined format.
      const adminFile = join(dir, 'cp', 'logs', 'admin_access.log');
      const adminLines = await until(async () => (lines(adminFile).length >= 2 ? lines(adminFile) : undefined), 'admin lines');
      const created = COMBINED.exec(adminLines[0]!)!;
      expect(created.slice(1, 3)).toEqual(['127.0.0.1', '-']);
      expect(created[4]).toBe('POST /services HTTP/1.1');
      expect(created[5]).toBe('201');
      expect(Number(created[6])).toBeGreaterThan(0);
      expect(created[9]).toBeUndefined();

      // proxy_access_log = logs/access.log, one line per request from whichever worker served it.
      await until(async () => (await send(`${dp.proxy}/r`)).status === 200, 'route served');
      const proxyFile = join(dir, 'dp', 'logs', 'access.log');
      const sent: string[] = [];
      for (let i = 0; i < 8; i++) sent.push((await send(`${dp.proxy}/r/${i}?q=${i}`, { 'user-agent': `agent "${i}"`, authorization: `Basic ${Buffer.from(`user${i}:pw`).toString('base64')}`, referer: 'http://ref/' })).id);
      const mine = await until(async () => {
        const all = lines(proxyFile).map((l) => COMBINED.exec(l)).filter((m) => m && m[4]!.startsWith('GET /r/'));
        return all.length >= 8 ? all : undefined;
      }, 'proxy lines');
      expect(mine.map((m) => m![10]).sort()).toEqual([...sent].sort());
      const third = mine.find((m) => m![4] === 'GET /r/3?q=3 HTTP/1.1')!;
      expect(third.slice(2, 3)).toEqual(['user3']);
      expect(third[5]).toBe('200');
      expect(third[7]).toBe('http://ref/');
      // nginx escapes the quotes inside a value.
      expect(third[8]).toBe('agent \\x223\\x22');
      // body_bytes_sent: the upstream's JSON body only, never the headers.
      expect(Number(third[6])).toBe(Buffer.byteLength(JSON.stringify({ path: '/3?q=3', host: `127.0.0.1:${up.port}` })));
      // A request no route took is logged too, with Kong's 404.
      await send(`${dp.proxy}/none`);
      await until(async () => lines(proxyFile).some((l) => / "GET \/none HTTP\/1.1" 404 /.test(l)), '404 logged');

      // logrotate: move the file, SIGUSR1, later lines go to a new file.
      renameSync(proxyFile, `${proxyFile}.1`);
      renameSync(adminFile, `${adminFile}.1`);
      dp.d.proc.kill('SIGUSR1');
      cp.d.proc.kill('SIGUSR1');
      await dp.d.waitFor((l) => l.msg === 'access logs reopened', 10_000);
      await cp.d.waitFor((l) => l.msg === 'access logs reopened', 10_000);
      const before = lines(`${proxyFile}.1`).length;
      for (let i = 0; i < 4; i++) await send(`${dp.proxy}/r/after`);
      await until(async () => lines(proxyFile).filter((l) => l.includes('GET /r/after')).length === 4, 'lines in the new file');
      expect(lines(`${proxyFile}.1`)).toHaveLength(before);
      await fetch(`${cp.admin}/services`);
      await until(async () => lines(adminFile).some((l) => l.includes('"GET /services HTTP/1.1" 200')), 'admin line in the new file');
    } finally {
      up.server.close();
    }
  }, 90_000);

  it('writes nothing with proxy_access_log = off, and refuses to start on a path it cannot open', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const cp = await startCp(p, join(dir, 'cp'));
    const dp = await startDp(p, join(dir, 'dp'), cp.cluster, ['--proxy-access-log', 'off']);
    await send(`${dp.proxy}/x`);
    expect(existsSync(join(dir, 'dp', 'logs', 'access.log'))).toBe(false);

    // A path under a regular file cannot be created, whoever runs the test.
    const notDir = join(dir, 'not-a-dir');
    writeFileSync(notDir, 'x');
    const { startDaemon } = await import('../helpers/daemon.js');
    const bad = startDaemon(['dp', 'run', '--prefix', join(dir, 'dp2'), '--cp-address', `localhost:${cp.cluster}`, '--cluster-mtls', 'pki',
      '--ca-cert-file', p('ca.crt'), '--cert-file', p('dp.crt'), '--key-file', p('dp.key'), '--proxy-listen', '127.0.0.1:0', '--status-listen', 'off',
      '--proxy-access-log', join(notDir, 'access.log')]);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toMatch(new RegExp(`proxy_access_log: cannot open ${join(notDir, 'access.log')} for appending \\((EEXIST|ENOTDIR)\\)`));
    expect(bad.stderr()).toContain('hint: make it writable, point proxy_access_log at another file, or set proxy_access_log = off');
  }, 60_000);
});
