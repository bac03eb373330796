// The single executable: built once, copied away from node_modules, run without Node on PATH.
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';

const ROOT = resolve(__dirname, '../..');
let dir: string;
let bin: string;

function run(args: string[], cwd = dir) {
  // No Node on PATH and no node_modules anywhere above the binary.
  const r = spawnSync(bin, args, { cwd, encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: dir, CI: 'true' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/package.mjs'], { cwd: ROOT, stdio: 'ignore' });
  dir = mkdtempSync(join(tmpdir(), 'hybridctl-sea-'));
  bin = join(dir, 'hybridctl');
  copyFileSync(join(ROOT, 'dist/hybridctl'), bin);
  execFileSync('chmod', ['755', bin]);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dist/hybridctl (single executable)', () => {
  it('is a standalone ELF binary that prints its version', () => {
    expect(readFileSync(bin).subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(statSync(bin).mode & 0o111).not.toBe(0);
    const r = run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^hybridctl \d+\.\d+\.\d+ .*Kong 3\.10\.0/);
  });

  it('generates and verifies a PKI', () => {
    expect(run(['gen-cert', '--mode', 'pki', '--out-dir', 'pki', '--intermediates', '2']).code).toBe(0);
    const ok = run(['verify-chain', '--cert', 'pki/dp.crt', '--ca', 'pki/ca.crt', '-o', 'json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).path).toHaveLength(4);
    const bad = run(['verify-chain', '--cert', 'pki/cp.crt', '--ca', 'pki/ca.crt']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/eku/);
  });

  it('lints a kong.conf', () => {
    writeFileSync(join(dir, 'dp.conf'), 'role = data_plane\ndatabase = off\ncluster_use_proxy = on\n');
    const r = run(['lint', 'dp.conf', '-o', 'json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).findings.map((f: { rule: string }) => f.rule)).toContain('proxy-server-required');
  });

  it('runs the whole demo: CP and two DPs with the native LMDB store and cache inside the binary', () => {
    const r = run(['demo']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/GET \/demo\/hello via data plane 2 → 200/);
  }, 60_000);

  it('starts dp run with two proxy workers forked from the binary itself', async () => {
    const { spawn } = await import('node:child_process');
    const proc = spawn(bin, ['dp', 'run', '--prefix', join(dir, 'dp'), '--cp-address', '127.0.0.1:1', '--cluster-mtls', 'pki', '--ca-cert-file', 'pki/ca.crt', '--cert-file', 'pki/dp.crt', '--key-file', 'pki/dp.key',
      '--proxy-listen', '127.0.0.1:0', '--status-listen', 'off', '--nginx-worker-processes', '2', '--log-format', 'json'], { cwd: dir, env: { PATH: '/usr/bin:/bin', HOME: dir, CI: 'true' } });
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const started = await new Promise<boolean>((done) => {
      const t = setInterval(() => {
        if (/data plane started/.test(err)) (clearInterval(t), done(true));
        if (proc.exitCode !== null) (clearInterval(t), done(false));
      }, 50);
    });
    expect(started, err).toBe(true);
    expect(err.match(/"msg":"listening","worker"/g) ?? []).toHaveLength(2);
    proc.kill('SIGTERM');
    expect(await new Promise((done) => proc.on('exit', done))).toBe(0);
  }, 30_000);

  it('maps usage errors to exit 2 like the Node build', () => {
    const r = run(['gen-cert', 'only-one.crt']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/both cert and key path/);
  });
});
