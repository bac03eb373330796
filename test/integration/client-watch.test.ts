// inspect dataplanes --watch against real `cp run` and `dp run` processes: into a pipe it writes a
// JSON line (or a text block) only when the fleet changed, on a terminal (tmux) it redraws in place,
// and Ctrl-C / SIGINT ends it with 130 in both.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { BIN, runCli, tempDir } from '../helpers/cli.js';
import { pki, post, startCp, startDp, until } from '../helpers/cluster.js';
import { tmuxDriver } from '../helpers/tmux.js';

type Row = Record<string, unknown>;
const pkiDir = mkdtempSync(join(tmpdir(), 'hybridctl-watch-pki-'));
let certs: (f: string) => string;

beforeAll(async () => {
  certs = await pki(pkiDir);
}, 60_000);
afterAll(() => rmSync(pkiDir, { recursive: true, force: true }));

/** The watcher as a process writing into pipes, as a script or a log collector would run it. */
function watch(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'inspect', 'dataplanes', '--watch', ...args], { env: { ...process.env, CI: 'true', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('inspect dataplanes --watch into a pipe', () => {
  it('-o json: one JSON document per line, written only when something changed; SIGINT exits 130', async () => {
    const dir = tempDir();
    const cp = await startCp(certs, join(dir, 'cp'));
    const w = watch(['--interval', '0.2', '-o', 'json', '--cp', cp.admin]);
    const docs = () => w.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { data_planes: Row[]; control_plane_hash: string | null; ok: boolean });
    await until(async () => docs().length === 1, 'the first document');
    expect(docs()[0]).toMatchObject({ data_planes: [], ok: true });
    // Ten looks at an unchanged fleet print nothing more.
    await sleep(2000);
    expect(docs()).toHaveLength(1);

    await startDp(certs, join(dir, 'dp'), cp.cluster);
    await until(async () => docs().some((d) => d.data_planes.length === 1 && d.ok), 'a document with the DP in sync');
    expect((await post(`${cp.admin}/services`, { name: 'first', host: 'first.internal' })).status).toBe(201);
    const synced = await until(async () => docs().find((d) => d.control_plane_hash !== docs()[0]!.control_plane_hash && d.data_planes[0]?.config_hash === d.control_plane_hash), 'a document with the new hash');
    expect(synced.data_planes[0]).toMatchObject({ in_sync: true, sync_status: 'normal' });
    // Each line differs from the one before in something other than the last-seen time.
    const all = docs();
    const key = (d: Row) => JSON.stringify({ ...d, data_planes: (d.data_planes as Row[]).map(({ last_seen: _a, last_seen_seconds_ago: _b, ...r }) => r) });
    for (let i = 1; i < all.length; i++) expect(key(all[i]!), `line ${i + 1} repeats line ${i}`).not.toBe(key(all[i - 1]!));
    expect(all.length).toBeLessThanOrEqual(6);

    w.child.kill('SIGINT');
    expect(await w.exited).toBe(130);
    expect(w.stderr()).toBe('');
  }, 60_000);

  it('text: a block per change; a CP that goes away is one error line, not one per look', async () => {
    const dir = tempDir();
    const cp = await startCp(certs, join(dir, 'cp'));
    const w = watch(['--interval', '0.2', '--cp', cp.admin]);
    const blocks = () => w.stdout().split('\n\n').map((b) => b.trim()).filter(Boolean);
    await until(async () => blocks().length === 1, 'the first block');
    expect(blocks()[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z\n {3}ID\s+HOSTNAME\s+VERSION\s+SYNC STATUS\s+CONFIG\s+LAST SEEN\ncontrol plane configuration hash: [0-9a-f]{32}; 0 data plane\(s\)$/);
    const dp = await startDp(certs, join(dir, 'dp'), cp.cluster);
    const withDp = await until(async () => blocks().find((b) => /\bin sync\b/.test(b)), 'a block with the DP');
    expect(withDp).toContain('1 data plane(s)');

    await dp.d.stop();
    await cp.d.stop();
    await until(async () => /error: cannot reach the Admin API/.test(w.stderr()), 'the error line');
    await sleep(1500);
    expect(w.stderr().match(/cannot reach the Admin API/g), w.stderr()).toHaveLength(1);
    expect(w.child.exitCode).toBeNull();
    w.child.kill('SIGINT');
    expect(await w.exited).toBe(130);
  }, 60_000);

  it.each([
    [['--watch', '--interval', '0'], "invalid value '0' for --interval; expected a positive number"],
    [['--watch', '--interval', '0.01'], "invalid value '0.01' for --interval; expected seconds, at least 0.1"],
    [['--interval', '5'], '--interval only applies with --watch'],
  ])('%j is a usage error naming --interval (exit 2)', async (args, message) => {
    const r = await runCli(['inspect', 'dataplanes', ...args, '--cp', 'http://127.0.0.1:9']);
    expect([r.code, r.stderr.split('\n')[0]]).toEqual([2, `error: ${message}`]);
  });
});

describe('inspect dataplanes --watch on a terminal', () => {
  const { tmux, waitFor } = tmuxDriver('watch');

  it('redraws the table in place every interval until Ctrl-C, which exits 130', async () => {
    const dir = tempDir();
    const cp = await startCp(certs, join(dir, 'cp'));
    onTestFinished(() => { try { tmux('kill-server'); } catch { /* already gone */ } });
    tmux('new-session', '-d', '-s', 'w', '-x', '200', '-y', '50', `env -u CI NO_COLOR=1 ${process.execPath} ${BIN} inspect dataplanes --watch --interval 0.3 --cp ${cp.admin}; echo "EXIT=$?"; sleep 30`);
    const first = await waitFor(/0 data plane\(s\)/);
    expect(first).toMatch(/^every 0\.3s: hybridctl inspect dataplanes {2}\d{4}-\d\d-\d\dT/);
    // The clock in the header moves: the screen is redrawn even when the fleet did not change.
    const stamp = /dataplanes {2}(\S+)/.exec(first)![1];
    await waitFor(new RegExp(`dataplanes  (?!${stamp!.replace(/\./g, '\\.')})\\S+`));

    await startDp(certs, join(dir, 'dp'), cp.cluster);
    const s = await waitFor(/in sync\s+\d+s ago/);
    expect(s).toContain('1 data plane(s)');
    // One header and one table on the screen: redrawn, not appended.
    expect(s.match(/every 0\.3s/g)).toHaveLength(1);
    expect(s.match(/SYNC STATUS/g)).toHaveLength(1);

    tmux('send-keys', '-t', 'w', 'C-c');
    const end = await waitFor(/EXIT=\d+/);
    expect(end).toContain('EXIT=130');
    expect(end).not.toMatch(/error|SIGINT/);
  }, 60_000);
});
