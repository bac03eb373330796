// doctor against a live control plane, and against each way the path can break.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { startDaemon } from '../helpers/daemon.js';
import { PROXY_PASSWORD, startTinyproxy } from '../helpers/forward-proxy.js';


interface Report {
  ok: boolean;
  steps: { id: string; ok: boolean; skipped?: boolean; detail: string; fix?: string }[];
}

const firstFailed = (r: Report) => r.steps.find((s) => !s.ok && !s.skipped && s.id !== 'conf');

describe('hybridctl doctor', () => {
  it('walks every step against a live pki control plane, and names the broken step otherwise', async () => {
    const dir = tempDir();
    const pkiDir = join(dir, 'pki');
    expect((await runCli(['gen-cert', '--mode', 'pki', '--out-dir', pkiDir, '--cp-hostname', 'localhost'])).code).toBe(0);
    const p = (f: string) => join(pkiDir, f);
    // A DP certificate with the wrong EKU: a CP certificate used as a DP one.
    const cluster = await freePort();
    const admin = await freePort();
    const cp = startDaemon([
      'cp', 'run', '--prefix', join(dir, 'cp'), '--cluster-mtls', 'pki', '--cluster-cert', p('cp.crt'), '--cluster-cert-key', p('cp.key'),
      '--cluster-ca-cert', p('ca.crt'), '--cluster-listen', `127.0.0.1:${cluster}`, '--admin-listen', `127.0.0.1:${admin}`, '--status-listen', 'off',
    ]);
    await cp.waitFor((l) => l.msg === 'control plane started');
    const base = ['doctor', '--cluster-mtls', 'pki', '--ca-cert-file', p('ca.crt'), '-o', 'json', '--timeout', '3'];
    const doctor = async (args: string[]) => {
      const r = await runCli([...base, ...args]);
      return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
    };

    const good = await doctor(['--cp-address', `localhost:${cluster}`, '--cert-file', p('dp.crt'), '--key-file', p('dp.key')]);
    expect(good.code, JSON.stringify(good.report)).toBe(0);
    expect(good.report.steps.map((s) => [s.id, s.ok])).toEqual([
      ['conf', true], ['certificate', true], ['dns', true], ['tcp', true], ['tls', true], ['cp-certificate', true], ['websocket', true], ['reconfigure', true],
    ]);

    const refused = await doctor(['--cp-address', `localhost:${await freePort()}`, '--cert-file', p('dp.crt'), '--key-file', p('dp.key')]);
    expect(refused.code).toBe(1);
    expect(firstFailed(refused.report)).toMatchObject({ id: 'tcp' });
    expect(firstFailed(refused.report)!.fix).toMatch(/nothing listens/);
    expect(refused.report.steps.at(-1)).toMatchObject({ id: 'reconfigure', skipped: true });

    const wrongName = await doctor(['--cp-address', `127.0.0.1:${cluster}`, '--server-name', 'cp.other.example', '--cert-file', p('dp.crt'), '--key-file', p('dp.key')]);
    expect(firstFailed(wrongName.report)).toMatchObject({ id: 'cp-certificate' });
    expect(firstFailed(wrongName.report)!.fix).toMatch(/cluster_server_name/);

    const wrongEku = await doctor(['--cp-address', `localhost:${cluster}`, '--cert-file', p('cp.crt'), '--key-file', p('cp.key')]);
    expect(firstFailed(wrongEku.report)).toMatchObject({ id: 'certificate' });
    expect(firstFailed(wrongEku.report)!.detail).toMatch(/^eku/);

    const mismatched = await doctor(['--cp-address', `localhost:${cluster}`, '--cert-file', p('dp.crt'), '--key-file', p('cp.key')]);
    expect(firstFailed(mismatched.report)).toMatchObject({ id: 'certificate' });
    expect(firstFailed(mismatched.report)!.detail).toMatch(/^key-mismatch/);

    const otherPki = join(dir, 'other');
    expect((await runCli(['gen-cert', '--mode', 'pki', '--out-dir', otherPki])).code).toBe(0);
    const foreignCa = await runCli(['doctor', '--cluster-mtls', 'pki', '--ca-cert-file', join(otherPki, 'ca.crt'), '--cp-address', `localhost:${cluster}`, '--cert-file', p('dp.crt'), '--key-file', p('dp.key'), '-o', 'json']);
    const foreign = firstFailed(JSON.parse(foreignCa.stdout) as Report)!;
    expect(foreign.id).toBe('cp-certificate');
    expect(foreign.detail).toMatch(/^untrusted/);
    expect(foreign.fix).toMatch(/cluster_ca_cert/);

    const wrongPort = await doctor(['--cp-address', `localhost:${admin}`, '--cert-file', p('dp.crt'), '--key-file', p('dp.key')]);
    expect(firstFailed(wrongPort.report)).toMatchObject({ id: 'tls' });
    expect(firstFailed(wrongPort.report)!.fix).toMatch(/cluster_listen/);

    const text = await runCli(['doctor', '--cluster-mtls', 'pki', '--ca-cert-file', p('ca.crt'), '--cp-address', `localhost:${cluster}`, '--server-name', 'nope.example', '--cert-file', p('dp.crt'), '--key-file', p('dp.key')]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/✗ control plane certificate/);
    expect(text.stdout).toMatch(/fix:/);
    expect(text.stdout).toMatch(/the path is broken at: control plane certificate/);
  }, 90_000);

  it('catches a shared-mode DP whose cluster_cert differs from the CP one', async () => {
    const dir = tempDir();
    expect((await runCli(['gen-cert', join(dir, 'cp.crt'), join(dir, 'cp.key')])).code).toBe(0);
    expect((await runCli(['gen-cert', join(dir, 'other.crt'), join(dir, 'other.key')])).code).toBe(0);
    const cluster = await freePort();
    const cp = startDaemon([
      'cp', 'run', '--prefix', join(dir, 'cp'), '--cluster-cert', join(dir, 'cp.crt'), '--cluster-cert-key', join(dir, 'cp.key'),
      '--cluster-listen', `127.0.0.1:${cluster}`, '--admin-listen', `127.0.0.1:${await freePort()}`, '--status-listen', 'off',
    ]);
    await cp.waitFor((l) => l.msg === 'control plane started');
    const same = await runCli(['doctor', '--cp-address', `127.0.0.1:${cluster}`, '--cert-file', join(dir, 'cp.crt'), '--key-file', join(dir, 'cp.key'), '-o', 'json']);
    expect(same.code, same.stdout + same.stderr).toBe(0);
    const other = await runCli(['doctor', '--cp-address', `127.0.0.1:${cluster}`, '--cert-file', join(dir, 'other.crt'), '--key-file', join(dir, 'other.key'), '-o', 'json']);
    expect(other.code).toBe(1);
    const report = JSON.parse(other.stdout) as Report;
    expect(firstFailed(report)).toMatchObject({ id: 'cp-certificate' });
    expect(firstFailed(report)!.fix).toMatch(/same cluster_cert/);
    expect(other.stdout).not.toMatch(/PRIVATE KEY/);
  }, 60_000);

  it('goes through a forward proxy with Basic auth, and names bad credentials without showing them', async () => {
    const dir = tempDir();
    expect((await runCli(['gen-cert', join(dir, 'c.crt'), join(dir, 'c.key')])).code).toBe(0);
    const cluster = await freePort();
    const cp = startDaemon([
      'cp', 'run', '--prefix', join(dir, 'cp'), '--cluster-cert', join(dir, 'c.crt'), '--cluster-cert-key', join(dir, 'c.key'),
      '--cluster-listen', `127.0.0.1:${cluster}`, '--admin-listen', `127.0.0.1:${await freePort()}`, '--status-listen', 'off',
    ]);
    await cp.waitFor((l) => l.msg === 'control plane started');
    const proxy = await startTinyproxy();
    const base = ['doctor', '--cp-address', `127.0.0.1:${cluster}`, '--cert-file', join(dir, 'c.crt'), '--key-file', join(dir, 'c.key'), '--cluster-use-proxy', 'on', '-o', 'json'];
    const ok = await runCli([...base, '--proxy-server', proxy.url()]);
    const report = JSON.parse(ok.stdout) as Report;
    expect(report.steps.find((s) => s.id === 'tcp')!.detail).toMatch(/^CONNECT 127\.0\.0\.1:\d+ through http:\/\/hybrid:\*+@127\.0\.0\.1:\d+ accepted$/);
    expect(report.steps.filter((s) => s.id !== 'conf').every((s) => s.ok)).toBe(true);
    expect(report.steps.find((s) => s.id === 'conf')!.detail).toMatch(/shared-mode-behind-proxy/);
    expect(proxy.log()).toMatch(/CONNECT/);
    const bad = await runCli([...base, '--proxy-server', proxy.url({ user: 'hybrid', password: 'Wrong-Passw0rd' })]);
    expect(bad.code).toBe(1);
    const failed = firstFailed(JSON.parse(bad.stdout) as Report)!;
    expect(failed.id).toBe('tcp');
    expect(failed.fix).toMatch(/credentials/);
    expect(bad.stdout + bad.stderr).not.toContain('Wrong-Passw0rd');
    expect(ok.stdout + ok.stderr).not.toContain(PROXY_PASSWORD);
  }, 60_000);
});
