// A real `hybridctl dp run` against a hostile control plane (the in-process cluster listener sending
// whatever frames the test gives it): structurally bad configs (hosts Kong refuses included) and bad
// hashes are refused with one line each, never served or cached, and traffic to the good routes
// never notices; a SIGTERM while a worker is being replaced stops the DP and every worker it forked.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { generateSharedPair, type Issued } from '../../src/pki/generate.js';
import { startCp, type TestCp } from './cluster-cp-dp.js';
import { startDaemon, type Daemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/net.js';
import { upstream, until } from '../helpers/cluster.js';

let pair: Issued;
let dir: string;
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});
beforeAll(async () => {
  pair = await generateSharedPair({ now: new Date(Date.now() - 60_000) });
  dir = mkdtempSync(join(tmpdir(), 'dp-hardening-'));
  writeFileSync(join(dir, 'cluster.crt'), pair.certPem);
  writeFileSync(join(dir, 'cluster.key'), pair.keyPem, { mode: 0o600 });
  return () => rmSync(dir, { recursive: true, force: true });
});

const SVC = '0855b320-0dd2-547d-891d-601e9b38647f';
const ROUTE = '1b8a1a52-54f2-4bb2-9b42-5a1c0c6a2f10';
const hex = () => randomBytes(16).toString('hex');

const service = (id: string, host: string, port: number) => ({ id, name: null, protocol: 'http', host, port, path: null, retries: 0, connect_timeout: 2000, read_timeout: 2000, write_timeout: 2000, enabled: true });
const route = (id: string, path: string, svc: string) => ({ id, name: null, protocols: ['http', 'https'], paths: [path], service: svc, strip_path: true, preserve_host: false, https_redirect_status_code: 426 });
const table = (port: number) => ({ _format_version: '3.0', _transform: false, services: [service(SVC, '127.0.0.1', port)], routes: [route(ROUTE, '/ok', SVC)] });

/** What a hostile CP can put on the wire: any config_table, any hash, as one gzip(JSON) frame. */
const frame = (config_table: unknown, config_hash: unknown = hex()) =>
  gzipSync(JSON.stringify({ type: 'reconfigure', timestamp: Date.now() / 1000, config_table, config_hash }));

async function hostileCp(): Promise<TestCp> {
  const cp = await startCp({ mode: 'shared', certPem: pair.certPem, keyPem: pair.keyPem });
  cleanup.push(() => cp.server.close());
  return cp;
}

async function dpRun(cp: TestCp, prefix: string, workers: number): Promise<{ d: Daemon; proxy: string; status: string }> {
  const [proxy, status] = [await freePort(), await freePort()];
  const d = startDaemon([
    'dp', 'run', '--prefix', prefix, '--cp-address', `127.0.0.1:${cp.port}`,
    '--cluster-cert', join(dir, 'cluster.crt'), '--cluster-cert-key', join(dir, 'cluster.key'),
    '--proxy-listen', `127.0.0.1:${proxy}`, '--status-listen', `127.0.0.1:${status}`, '--nginx-worker-processes', String(workers),
  ]);
  await d.waitFor((l) => l.msg === 'data plane started', 20_000, 'data plane start');
  return { d, proxy: `http://127.0.0.1:${proxy}`, status: `http://127.0.0.1:${status}` };
}

const get = async (url: string) => {
  const r = await fetch(url);
  return { status: r.status, body: await r.text() };
};
const rejections = (d: Daemon) => d.lines.filter((l) => /^rejected a configuration from the control plane; the previous one keeps serving$/.test(l.msg));

describe('dp run against a hostile control plane', () => {
  it('refuses each structurally invalid config and bad hash with one line, keeps serving the last good one, and never caches a bad one', async () => {
    const up = await upstream();
    cleanup.push(() => new Promise<void>((r) => up.server.close(() => r())));
    const cp = await hostileCp();
    const goodHash = cp.setConfig(table(up.port));
    const prefix = join(dir, 'dp-a');
    const { d, proxy, status } = await dpRun(cp, prefix, 2);
    await d.waitFor((l) => l.msg === 'configuration applied' && l.config_hash === goodHash, 20_000, 'first config');
    expect((await get(`${proxy}/ok`)).status).toBe(200);

    // Traffic to the good route runs through every rejection: a refused config costs it nothing.
    let loading = true;
    const failures: string[] = [];
    let served = 0;
    const load = Promise.all(Array.from({ length: 4 }, async () => {
      while (loading) {
        const r = await get(`${proxy}/ok`).catch((e: Error) => ({ status: 0, body: e.message }));
        if (r.status === 200) served++;
        else failures.push(`${r.status} ${r.body}`);
      }
    }));
    const good = table(up.port);
    const bad: [string, Buffer, RegExp][] = [
      ['config_table an array', frame([good]), /config_table: expected a record, got an array/],
      ['config_table a string', frame('services'), /config_table missing or not a record/],
      ['routes a string', frame({ ...good, routes: '/ok' }), /routes: expected an array, got a string/],
      ['a service port "eighty"', frame({ ...good, services: [{ ...good.services[0], port: 'eighty' }] }), /services\.1\.port: expected an integer, got a string/],
      ['an entity not a record', frame({ ...good, services: ['billing'] }), /services\.1: expected a record, got a string/],
      ['an id missing', frame({ ...good, routes: [{ ...good.routes[0], id: undefined }] }), /routes\.1\.id: required field missing/],
      ['a foreign key not a string', frame({ ...good, routes: [{ ...good.routes[0], service: 42 }] }), /routes\.1\.service: expected an id/],
      ['a service host Kong refuses', frame({ ...good, services: [{ ...good.services[0], host: '999.1.1.1' }] }), /services\.1\.host: invalid value: 999\.1\.1\.1/],
      ['an ipv6 host Kong refuses', frame({ ...good, services: [{ ...good.services[0], host: '[1::1::1]' }] }), /services\.1\.host: invalid value: \[1::1::1\]/],
      ['a 1 MB config_hash', frame(good, 'a'.repeat(1024 * 1024)), /config_hash: expected 32 hexadecimal characters, got 1048576 characters/],
      ['a config_hash not hexadecimal', frame(good, 'z'.repeat(32)), /config_hash: expected 32 hexadecimal characters, got 32 characters \(not hexadecimal\)/],
    ];
    for (const [i, [what, payload, error]] of bad.entries()) {
      cp.setRaw(payload, hex());
      cp.server.push();
      await until(async () => rejections(d).length > i, `a rejection of ${what}`, 10_000);
      const line = rejections(d)[i]!;
      expect(line.level, what).toBe('error');
      expect(String(line.error), what).toMatch(error);
      // Still the good config, in every worker.
      for (let n = 0; n < 4; n++) expect((await get(`${proxy}/ok`)).status, what).toBe(200);
      expect(JSON.parse((await get(`${status}/status`)).body).configuration_hash, what).toBe(goodHash);
    }
    loading = false;
    await load;
    expect(failures).toEqual([]);
    expect(served).toBeGreaterThan(100);
    expect(rejections(d)).toHaveLength(bad.length);
    expect(d.lines.filter((l) => l.msg === 'configuration applied')).toHaveLength(1);
    // Nothing a peer sent is logged unbounded: the 1 MB hash is nowhere, no line is long.
    expect(d.stderr()).not.toContain('a'.repeat(100));
    expect(Math.max(...d.stderr().split('\n').map((l) => l.length))).toBeLessThan(4096);
    expect(d.lines.some((l) => /proxy worker exited/.test(l.msg))).toBe(false);

    // The cache holds the good config: without the control plane, a restart serves it.
    expect(await d.stop()).toBe(0);
    await cp.server.close();
    const again = await dpRun(cp, prefix, 1);
    const cached = await again.d.waitFor((l) => /^serving the cached configuration/.test(l.msg), 10_000, 'cached config');
    expect(cached.config_hash).toBe(goodHash);
    expect((await get(`${again.proxy}/ok`)).status).toBe(200);
  }, 60_000);
});

const children = (pid: number): number[] => {
  const out: number[] = [];
  for (const p of readdirNumeric('/proc')) {
    try {
      if (/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] === String(pid)) out.push(p);
    } catch {
      // gone meanwhile
    }
  }
  return out;
};
const readdirNumeric = (d: string) => readdirSync(d).filter((f) => /^\d+$/.test(f)).map(Number);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

describe('dp run stops during a worker respawn', () => {
  for (const when of ['right after the worker is killed', 'as its replacement is forked'] as const) {
    it(`SIGTERM ${when}: the data plane and every worker exit within seconds`, async () => {
      const cp = await hostileCp();
      cp.setConfig(table(9));
      const { d } = await dpRun(cp, join(dir, `dp-${when.length}`), 2);
      const pid = d.proc.pid!;
      const workers = await until(async () => { const c = children(pid); return c.length === 2 && c; }, 'two workers');
      const seen = new Set(workers);
      process.kill(workers[0]!, 'SIGKILL');
      if (when === 'as its replacement is forked') {
        await until(async () => children(pid).find((c) => !seen.has(c)), 'the replacement fork', 5_000);
      }
      d.proc.kill('SIGTERM');
      const started = Date.now();
      // Every child the data plane has until it exits, forks during shutdown included.
      while (d.proc.exitCode === null && d.proc.signalCode === null && Date.now() - started < 8_000) {
        for (const c of children(pid)) seen.add(c);
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(d.proc.exitCode, d.stderr()).toBe(0);
      expect(Date.now() - started).toBeLessThan(5_000);
      await until(async () => [...seen].every((c) => !alive(c)), 'no worker left', 3_000);
      expect(d.lines.some((l) => l.msg === 'stopped')).toBe(true);
    }, 30_000);
  }
});
