// Damaged and full disks under real `cp run` / `dp run` processes: a damaged CP store is refused
// with one line naming the file and the fix; a damaged DP cache is moved aside; a full disk under
// the DP costs the cache, never the process. None of them may die of a signal.
import { describe, expect, it, onTestFinished } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, openSync, closeSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { startDaemon, type Daemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/net.js';
import { pki, post, startCp, startDp, until, upstream } from '../helpers/cluster.js';
import { openConfigCache } from '../../src/cache/index.js';
import { createLogger } from '../../src/log.js';
import { inspectLmdbDir } from '../../src/util/lmdb-safe.js';

const damage = {
  'truncated after its meta pages': (f: string) => truncateSync(f, 8192),
  'random bytes in its data pages': (f: string) => {
    const fd = openSync(f, 'r+');
    for (let p = 2; p < statSync(f).size / 4096; p++) writeSync(fd, randomBytes(4096), 0, 4096, p * 4096);
    closeSync(fd);
  },
  'zero-length': (f: string) => truncateSync(f, 0),
};

async function exitOf(d: Daemon): Promise<{ code: number | null; signal: string | null }> {
  const code = await Promise.race([d.exited, new Promise<'alive'>((r) => setTimeout(() => r('alive'), 15_000))]);
  return { code: code === 'alive' ? -1 : code, signal: d.proc.signalCode };
}

describe('storage hardening', () => {
  it('a CP refuses a damaged, empty or unreadable store with one line naming the file and the fix', async () => {
    const base = tempDir();
    const p = await pki(join(base, 'pki'));
    const good = join(base, 'good');
    const cp = await startCp(p, good);
    expect((await post(`${cp.admin}/services`, { name: 'billing', url: 'http://billing.internal:8080' })).status).toBe(201);
    expect(await cp.d.stop()).toBe(0);
    const cases: [string, (dir: string) => void, string][] = [
      ...Object.entries(damage).map(([what, f]) => [what, (dir: string) => f(join(dir, 'data.mdb')), 'data.mdb'] as [string, (dir: string) => void, string]),
      ['without its data.mdb', (dir) => rmSync(join(dir, 'data.mdb')), ''],
      ['with a data.mdb that cannot be read', (dir) => (rmSync(join(dir, 'data.mdb')), mkdirSync(join(dir, 'data.mdb'))), 'data.mdb'],
    ];
    for (const [what, make, file] of cases) {
      const prefix = join(base, what.replace(/\W+/g, '-'));
      cpSync(good, prefix, { recursive: true });
      const store = join(prefix, 'cp-store');
      make(store);
      const d = startDaemon(['cp', 'run', '--prefix', prefix, '--cluster-mtls', 'pki', '--cluster-cert', p('cp.crt'), '--cluster-cert-key', p('cp.key'), '--cluster-ca-cert', p('ca.crt'),
        '--cluster-listen', `127.0.0.1:${await freePort()}`, '--admin-listen', `127.0.0.1:${await freePort()}`, '--status-listen', 'off']);
      expect(await exitOf(d), `${what}:\n${d.stderr()}`).toEqual({ code: 1, signal: null });
      const errors = d.stderr().split('\n').filter((l) => l.startsWith('error:'));
      expect(errors, what).toHaveLength(1);
      expect(errors[0]).toContain(`the control plane store ${file ? join(store, file) : store} `);
      expect(errors[0]).toContain('refusing to start');
      expect(d.stderr()).toContain(`hint: restore ${store} from a backup`);
      expect(d.stderr()).toContain(`mv ${store} ${store}.damaged`);
      expect(d.lines.some((l) => l.msg === 'control plane started')).toBe(false);
    }
  }, 60_000);

  it('a DP moves a damaged cache (or a file in its place) aside with one line and starts without it', async () => {
    const base = tempDir();
    const p = await pki(join(base, 'pki'));
    const made = join(base, 'made');
    const c = openConfigCache({ prefix: made, mode: 'unencrypted', log: createLogger({ write: () => undefined }) });
    await c.save({ _format_version: '3.0', services: Array.from({ length: 40 }, (_, i) => ({ id: `s${i}`, name: `svc-${i}`, host: 'h'.repeat(300) })) }, 'a'.repeat(32));
    await c.close();
    const cases: [string, (dir: string) => void][] = [
      ...Object.entries(damage).filter(([w]) => w !== 'zero-length').map(([w, f]) => [w, (dir: string) => f(join(dir, 'data.mdb'))] as [string, (dir: string) => void]),
      ['a plain file', (dir) => (rmSync(dir, { recursive: true }), writeFileSync(dir, 'not a cache'))],
    ];
    for (const [what, make] of cases) {
      const prefix = join(base, what.replace(/\W+/g, '-'));
      cpSync(made, prefix, { recursive: true });
      make(join(prefix, 'dbless.lmdb'));
      const { d } = await startDp(p, prefix, await freePort());
      const damaged = d.lines.filter((l) => /config cache is damaged/.test(l.msg));
      expect(damaged, what).toHaveLength(1);
      expect(damaged[0]!.msg).toContain(join(prefix, 'dbless.lmdb'));
      expect(readdirSync(prefix).filter((f) => f.startsWith('dbless.lmdb.corrupt-'))).toHaveLength(1);
      expect(d.lines.some((l) => /no cached configuration/.test(l.msg))).toBe(true);
      expect(await d.stop()).toBe(0);
      expect(d.proc.signalCode).toBeNull();
    }
  }, 60_000);

  it('a DP on a full disk keeps serving, logs one line, does not crash-loop on restart, and caches again once there is room', async () => {
    if (process.getuid?.() !== 0) return; // mount needs root (CI runs as root)
    const base = tempDir();
    const p = await pki(join(base, 'pki'));
    const up = await upstream();
    onTestFinished(() => void up.server.close());
    const cp = await startCp(p, join(base, 'cp'));
    const prefix = join(base, 'dp');
    mkdirSync(prefix);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', prefix]);
    onTestFinished(() => void execFileSync('umount', ['-l', prefix]));
    const route = async (i: number, paths = 1) => {
      expect((await post(`${cp.admin}/services`, { name: `svc-${i}`, url: `http://127.0.0.1:${up.port}` })).status).toBe(201);
      const r = await post(`${cp.admin}/services/svc-${i}/routes`, { name: `r-${i}`, paths: Array.from({ length: paths }, (_, j) => `/r${i}${j ? `-${j}-${'p'.repeat(200)}` : ''}`) });
      expect(r.status).toBe(201);
    };
    const served = (proxy: string, i: number) => until(async () => (await fetch(`${proxy}/r${i}`)).status === 200, `route /r${i} served`);
    await route(0);
    let dp = await startDp(p, prefix, cp.cluster);
    await served(dp.proxy, 0);

    try {
      writeFileSync(join(prefix, 'filler'), Buffer.alloc(2 * 1024 * 1024));
    } catch {
      // ENOSPC: the disk is full, as intended
    }
    for (let i = 1; i <= 12; i++) await route(i, 8);
    await served(dp.proxy, 12);
    await dp.d.waitFor((l) => /not cached/.test(l.msg), 10_000, 'the cache write failure');
    const failures = () => dp.d.lines.filter((l) => /not cached/.test(l.msg));
    expect(failures(), JSON.stringify(failures(), null, 1)).toHaveLength(1);
    expect(String(failures()[0]!.error)).toMatch(/disk is full/);
    expect(dp.d.proc.exitCode).toBeNull();

    // Restart with the disk still full: it serves the cache it has and keeps running.
    expect(await dp.d.stop()).toBe(0);
    const before = dp;
    dp = await startDp(p, prefix, cp.cluster);
    await served(dp.proxy, 12);
    await dp.d.waitFor((l) => /not cached/.test(l.msg), 10_000, 'the cache write failure after restart');
    await route(13);
    await served(dp.proxy, 13);
    expect(failures()).toHaveLength(1);
    expect(dp.d.proc.exitCode).toBeNull();
    // lmdb prints its own unterminated "Write error: …" on a failed write: it stays a line of its
    // own, and every line of ours is still whole JSON. (Which run prints it depends on the pages
    // left free on the full disk, the restarted one's pid file taking one.)
    const foreign = [...before.d.lines, ...dp.d.lines].filter((l) => l.level === 'raw' && l.msg !== '');
    expect(foreign.length).toBeGreaterThan(0);
    for (const l of foreign) expect(l.msg).toMatch(/^Write error: No space left on device position \d+, size \d+$/);

    rmSync(join(prefix, 'filler'));
    await route(14);
    await dp.d.waitFor((l) => /written again/.test(l.msg), 10_000, 'the cache written again');
    expect(inspectLmdbDir(join(prefix, 'dbless.lmdb'))).toEqual({ kind: 'ok' });
    expect(await dp.d.stop()).toBe(0);
  }, 60_000);
});
