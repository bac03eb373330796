// hybridctl init dp: the files a new data plane node needs, ready to start.
import { describe, expect, it } from 'vitest';
import { readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';

describe('init dp', () => {
  it('pki: issues a DP certificate from the CA and writes a kong.conf pointing at it', async () => {
    const dir = tempDir();
    expect((await runCli(['gen-cert', '--mode', 'pki', '--out-dir', join(dir, 'pki'), '--intermediates', '2', '--cp-hostname', 'cp.test'])).code).toBe(0);
    const out = join(dir, 'node');
    const r = await runCli(['init', 'dp', '--cp-address', 'cp.test:8005', '--ca-cert', join(dir, 'pki/ca.crt'), '--issuer-cert', join(dir, 'pki/intermediate-2.crt'),
      '--issuer-key', join(dir, 'pki/intermediate-2.key'), '--dp-name', 'edge-1', '--out-dir', out, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.run).toBe(`hybridctl dp run -c ${join(out, 'kong.conf')}`);
    const conf = readFileSync(join(out, 'kong.conf'), 'utf8');
    expect(conf).toMatch(/^role = data_plane$/m);
    expect(conf).toMatch(/^database = off$/m);
    expect(conf).toMatch(/^cluster_control_plane = cp\.test:8005$/m);
    expect(conf).toMatch(/^cluster_mtls = pki$/m);
    expect(conf).toContain(`cluster_cert = ${join(out, 'dp.crt')}`);
    expect(conf).toContain(`cluster_ca_cert = ${join(out, 'cluster-ca.crt')}`);
    expect(statSync(join(out, 'dp.key')).mode & 0o777).toBe(0o600);
    const check = await runCli(['verify-chain', '--cert', join(out, 'dp.crt'), '--ca', join(out, 'cluster-ca.crt'), '--key', join(out, 'dp.key'), '-o', 'json']);
    expect(check.code, check.stdout).toBe(0);
    expect(JSON.parse(check.stdout).path[0].subject).toBe('CN=edge-1');
  });

  it('shared: copies the cluster pair, refusing a key that is not the certificate\'s', async () => {
    const dir = tempDir();
    expect((await runCli(['gen-cert', 'a.crt', 'a.key'], { cwd: dir })).code).toBe(0);
    expect((await runCli(['gen-cert', 'b.crt', 'b.key'], { cwd: dir })).code).toBe(0);
    const bad = await runCli(['init', 'dp', '--mode', 'shared', '--cp-address', '127.0.0.1:8005', '--cluster-cert', 'a.crt', '--cluster-key', 'b.key', '--out-dir', 'n1'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/does not belong/);
    expect(existsSync(join(dir, 'n1'))).toBe(false);
    const ok = await runCli(['init', 'dp', '--mode', 'shared', '--cp-address', '127.0.0.1:8005', '--cluster-cert', 'a.crt', '--cluster-key', 'a.key', '--out-dir', 'n2'], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(join(dir, 'n2/cluster.crt'), 'utf8')).toBe(readFileSync(join(dir, 'a.crt'), 'utf8'));
    expect(readFileSync(join(dir, 'n2/kong.conf'), 'utf8')).toMatch(/^cluster_mtls = shared$/m);
    expect(ok.stdout).not.toContain(readFileSync(join(dir, 'a.key'), 'utf8').split('\n')[1]);
  });

  it('explains what is missing', async () => {
    const dir = tempDir();
    const noAddr = await runCli(['init', 'dp'], { cwd: dir });
    expect(noAddr.code).toBe(2);
    expect(noAddr.stderr).toMatch(/--cp-address is required/);
    const noPort = await runCli(['init', 'dp', '--cp-address', 'cp.test'], { cwd: dir });
    // Kong connects to 443 when the port is left out; init dp says so rather than refusing.
    expect(noPort.stderr).toContain("warning: cluster_control_plane: 'cp.test' has no port: the data plane connects to 443 as Kong does");
    const noCa = await runCli(['init', 'dp', '--cp-address', 'cp.test:8005'], { cwd: dir });
    expect(noCa.stderr).toMatch(/--ca-cert is required/);
  });
});
