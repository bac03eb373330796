// A leaf without any extendedKeyUsage is "any purpose" to OpenSSL, so Kong accepts it for either
// role; one whose EKU names only the other role stays refused. Certificates made by the openssl CLI.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { startCp, startDp } from '../helpers/cluster.js';
import type { Daemon } from '../helpers/daemon.js';
import { EXT, makeRoot, makeSigned, opensslVerify, type MadeCert } from '../helpers/openssl.js';

const NO_EKU = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid';

let dir: string;
let ca: MadeCert;
let cpNoEku: MadeCert;
let dpNoEku: MadeCert;
let serverOnly: MadeCert;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hybridctl-noeku-'));
  ca = makeRoot(dir, 'ca');
  cpNoEku = makeSigned(dir, 'cp-noeku', ca, NO_EKU);
  dpNoEku = makeSigned(dir, 'dp-noeku', ca, NO_EKU);
  serverOnly = makeSigned(dir, 'server-only', ca, EXT.server);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const daemons: Daemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0).reverse()) await d.stop();
});

describe('verify-chain', () => {
  it('OpenSSL itself accepts the EKU-less leaf for both purposes and refuses serverAuth-only as a client', () => {
    for (const purpose of ['sslclient', 'sslserver']) expect(opensslVerify(dir, ['-purpose', purpose, '-CAfile', ca.crt, dpNoEku.crt]).ok).toBe(true);
    expect(opensslVerify(dir, ['-purpose', 'sslclient', '-CAfile', ca.crt, serverOnly.crt]).ok).toBe(false);
  });

  it.each(['dp', 'cp'])('accepts a leaf without extendedKeyUsage for --role %s, with a no-eku warning', async (role) => {
    const r = await runCli(['verify-chain', '--cert', dpNoEku.crt, '--ca', ca.crt, '--role', role, '-o', 'json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { valid: boolean; problems: unknown[]; warnings: { code: string }[] };
    expect(doc.valid).toBe(true);
    expect(doc.warnings.map((w) => w.code)).toContain('no-eku');
  });

  it('still refuses a serverAuth-only leaf as a data plane certificate', async () => {
    const r = await runCli(['verify-chain', '--cert', serverOnly.crt, '--ca', ca.crt, '--role', 'dp', '-o', 'json']);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as { problems: { code: string }[] }).problems.map((p) => p.code)).toEqual(['eku']);
  });
});

describe('lint', () => {
  const lint = async (cert: MadeCert) => {
    const conf = join(dir, `kong-${Math.random().toString(36).slice(2)}.conf`);
    writeFileSync(conf, `role = data_plane\ndatabase = off\ncluster_mtls = pki\ncluster_control_plane = localhost:8005\ncluster_cert = ${cert.crt}\ncluster_cert_key = ${cert.key}\ncluster_ca_cert = ${ca.crt}\n`);
    const r = await runCli(['lint', conf, '-o', 'json']);
    return { r, text: r.stdout };
  };
  it('raises no cluster-cert-eku finding for an EKU-less DP certificate', async () => {
    const { r, text } = await lint(dpNoEku);
    expect(text, r.stderr).not.toContain('cluster-cert-eku');
    expect(text).not.toContain('extended key usage');
  });
  it('still reports a serverAuth-only DP certificate', async () => {
    const { text } = await lint(serverOnly);
    expect(text).toContain('cluster-cert-eku');
  });
});

describe('cp run and dp run', () => {
  const files = (cp: MadeCert, dp: MadeCert) => (f: string) =>
    ({ 'ca.crt': ca.crt, 'cp.crt': cp.crt, 'cp.key': cp.key, 'dp.crt': dp.crt, 'dp.key': dp.key })[f]!;

  it('a CP and a DP whose certificates have no extendedKeyUsage connect', async () => {
    const p = files(cpNoEku, dpNoEku);
    const cp = await startCp(p, tempDir());
    daemons.push(cp.d);
    const dp = await startDp(p, tempDir(), cp.cluster);
    daemons.push(dp.d);
    await dp.d.waitFor((l) => l.msg === 'connected to the control plane', 20_000, 'the DP connecting');
  });

  it('dp run still refuses to start with a serverAuth-only certificate', async () => {
    const r = await runCli(['dp', 'run', '--prefix', tempDir(), '--cp-address', 'localhost:1', '--cluster-mtls', 'pki',
      '--ca-cert-file', ca.crt, '--cert-file', serverOnly.crt, '--key-file', serverOnly.key, '--status-listen', 'off']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('cluster_cert lacks the clientAuth extended key usage a data plane certificate needs');
  });
});
