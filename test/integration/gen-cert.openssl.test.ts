// gen-cert as an operator runs it, judged by openssl as an independent oracle.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { openssl, opensslVerify } from '../helpers/openssl.js';

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

describe('gen-cert, shared mode (Kong compatible)', () => {
  it('writes ./cluster.crt and ./cluster.key like kong hybrid gen_cert', async () => {
    const dir = tempDir();
    const started = Math.floor(Date.now() / 1000);
    const r = await runCli(['gen-cert'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Successfully generated certificate/key pairs, they have been written to: '${join(dir, 'cluster.crt')}' and '${join(dir, 'cluster.key')}'.`);
    expect(mode(join(dir, 'cluster.crt'))).toBe('644');
    expect(mode(join(dir, 'cluster.key'))).toBe('600');
    const key = readFileSync(join(dir, 'cluster.key'), 'utf8');
    expect(key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(r.stdout + r.stderr).not.toContain(key.split('\n')[1]);
    const text = openssl(['x509', '-in', 'cluster.crt', '-noout', '-text'], dir);
    expect(text).toMatch(/Subject: CN ?= ?kong_clustering/);
    expect(text).toMatch(/NIST CURVE: P-384/);
    expect(text).toMatch(/DNS:kong_clustering/);
    const cert = new X509Certificate(readFileSync(join(dir, 'cluster.crt')));
    const from = Date.parse(cert.validFrom) / 1000;
    expect(from).toBeGreaterThanOrEqual(started - 1);
    expect(Date.parse(cert.validTo) / 1000 - from).toBe(3 * 365 * 86400);
    expect(cert.checkPrivateKey(require('node:crypto').createPrivateKey(key))).toBe(true);
  });

  it('takes both paths and --days (-d)', async () => {
    const dir = tempDir();
    expect((await runCli(['gen-cert', 'a.crt', 'a.key', '-d', '1'], { cwd: dir })).code).toBe(0);
    const c = new X509Certificate(readFileSync(join(dir, 'a.crt')));
    expect((Date.parse(c.validTo) - Date.parse(c.validFrom)) / 1000).toBe(86400);
  });

  it('refuses one positional path with exit 2 and writes nothing', async () => {
    const dir = tempDir();
    const r = await runCli(['gen-cert', 'only.crt'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/both cert and key path needs to be provided/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses to overwrite without --force (exit 1, file named, contents kept), overwrites with it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'cluster.key'), 'precious');
    const r = await runCli(['gen-cert'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(dir, 'cluster.key')} already exists`);
    expect(r.stderr).toContain('--force');
    expect(readFileSync(join(dir, 'cluster.key'), 'utf8')).toBe('precious');
    expect(existsSync(join(dir, 'cluster.crt'))).toBe(false);
    expect((await runCli(['gen-cert', '--force'], { cwd: dir })).code).toBe(0);
    expect(readFileSync(join(dir, 'cluster.key'), 'utf8')).toMatch(/BEGIN PRIVATE KEY/);
  });

  it('refuses pki-only flags in shared mode', async () => {
    const r = await runCli(['gen-cert', '--out-dir', 'x'], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out-dir is only for --mode pki/);
  });
});

const KEY_TYPES: [string, string[]][] = [
  ['EC P-256', []],
  ['EC P-384', ['--curve', 'P-384']],
  ['RSA 2048', ['--key-type', 'rsa']],
  ['Ed25519', ['--key-type', 'ed25519']],
];

describe('gen-cert, pki mode: every chain it makes verifies, for every key type and 0..3 intermediates', () => {
  for (const [name, flags] of KEY_TYPES) {
    it.each([0, 1, 2, 3])(`${name} with %i intermediate(s)`, async (n) => {
      const dir = tempDir();
      const r = await runCli(['gen-cert', '--mode', 'pki', '--out-dir', dir, '--intermediates', String(n), '--cp-hostname', 'cp.test', '--cp-hostname', '127.0.0.1', ...flags]);
      expect(r.code, r.stderr).toBe(0);
      const f = (x: string) => join(dir, x);
      const chainArgs = n ? ['-untrusted', f('chain.crt')] : [];
      // openssl's verdict: each leaf is good for its own role only.
      expect(opensslVerify(dir, ['-x509_strict', '-purpose', 'sslserver', '-CAfile', f('ca.crt'), ...chainArgs, f('cp.crt')]).ok).toBe(true);
      expect(opensslVerify(dir, ['-x509_strict', '-purpose', 'sslclient', '-CAfile', f('ca.crt'), ...chainArgs, f('dp.crt')]).ok).toBe(true);
      expect(opensslVerify(dir, ['-x509_strict', '-purpose', 'sslclient', '-CAfile', f('ca.crt'), ...chainArgs, f('cp.crt')]).ok).toBe(false);
      expect(opensslVerify(dir, ['-x509_strict', '-purpose', 'sslserver', '-CAfile', f('ca.crt'), ...chainArgs, f('dp.crt')]).ok).toBe(false);
      // hybridctl's verdict agrees, from the bundles alone.
      expect((await runCli(['verify-chain', '--cert', f('dp.crt'), '--ca', f('ca.crt'), '--key', f('dp.key')])).code).toBe(0);
      expect((await runCli(['verify-chain', '--cert', f('cp.crt'), '--ca', f('ca.crt'), '--role', 'cp', '--server-name', '127.0.0.1'])).code).toBe(0);
      expect((await runCli(['verify-chain', '--cert', f('cp.crt'), '--ca', f('ca.crt'), '--role', 'dp'])).code).toBe(1);
      for (const k of ['ca.key', 'cp.key', 'dp.key']) expect(mode(f(k))).toBe('600');
      expect(readFileSync(f('cp.crt'), 'utf8').match(/BEGIN CERTIFICATE/g)).toHaveLength(n + 1);
    });
  }

  it('writes the documented extensions (root, intermediate pathlen, leaf SANs)', async () => {
    const dir = tempDir();
    expect((await runCli(['gen-cert', '--mode', 'pki', '--out-dir', dir, '--intermediates', '2', '--cp-hostname', 'cp.test', '--cp-hostname', '10.1.2.3', '--dp-name', 'edge-7'])).code).toBe(0);
    const ca = openssl(['x509', '-in', 'ca.crt', '-noout', '-text'], dir);
    expect(ca).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(ca).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(openssl(['x509', '-in', 'intermediate-1.crt', '-noout', '-ext', 'basicConstraints'], dir)).toMatch(/pathlen:1/);
    expect(openssl(['x509', '-in', 'intermediate-2.crt', '-noout', '-ext', 'basicConstraints'], dir)).toMatch(/pathlen:0/);
    const cp = openssl(['x509', '-in', 'cp.crt', '-noout', '-text'], dir);
    expect(cp).toMatch(/DNS:cp\.test, IP Address:10\.1\.2\.3/);
    expect(cp).toMatch(/TLS Web Server Authentication/);
    expect(cp).not.toMatch(/TLS Web Client Authentication/);
    expect(openssl(['x509', '-in', 'dp.crt', '-noout', '-subject'], dir)).toMatch(/CN ?= ?edge-7/);
  });

  it('-o json lists every file with subject, EKU and expiry', async () => {
    const dir = tempDir();
    const r = await runCli(['gen-cert', '--mode', 'pki', '--out-dir', dir, '-o', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.mode).toBe('pki');
    expect(doc.files.map((f: { path: string }) => f.path.slice(dir.length + 1))).toEqual(
      ['ca.crt', 'ca.key', 'intermediate-1.crt', 'intermediate-1.key', 'cp.crt', 'cp.key', 'dp.crt', 'dp.key', 'chain.crt']);
    const dp = doc.files.find((f: { path: string }) => f.path.endsWith('dp.crt'));
    expect(dp).toMatchObject({ kind: 'certificate', subject: 'CN=kong-dp', eku: ['clientAuth'], isCA: false });
    expect(dp.expires).toMatch(/^expires in 365 days$/);
  });

  it('issues one more DP certificate from an existing intermediate, bundling the issuer chain', async () => {
    const dir = tempDir();
    expect((await runCli(['gen-cert', '--mode', 'pki', '--out-dir', dir, '--intermediates', '2'])).code).toBe(0);
    const issuerBundle = join(dir, 'intermediate-2.crt');
    expect(readFileSync(issuerBundle, 'utf8').match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    const r = await runCli(['gen-cert', '--mode', 'pki', '--profile', 'dp', '--issuer-cert', issuerBundle, '--issuer-key', join(dir, 'intermediate-2.key'),
      '--out-cert', join(dir, 'dp2.crt'), '--out-key', join(dir, 'dp2.key'), '--dp-name', 'dp-2']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'dp2.crt'), 'utf8').match(/BEGIN CERTIFICATE/g)).toHaveLength(3);
    expect((await runCli(['verify-chain', '--cert', join(dir, 'dp2.crt'), '--ca', join(dir, 'ca.crt'), '--key', join(dir, 'dp2.key')])).code).toBe(0);
    expect(opensslVerify(dir, ['-x509_strict', '-purpose', 'sslclient', '-CAfile', join(dir, 'ca.crt'), '-untrusted', join(dir, 'chain.crt'), join(dir, 'dp2.crt')]).ok).toBe(true);
  });

  it('refuses to issue from a certificate that is not a CA, and writes nothing', async () => {
    const dir = tempDir();
    expect((await runCli(['gen-cert', '--mode', 'pki', '--out-dir', dir])).code).toBe(0);
    const r = await runCli(['gen-cert', '--mode', 'pki', '--profile', 'dp', '--issuer-cert', join(dir, 'cp.crt'), '--issuer-key', join(dir, 'cp.key'),
      '--out-cert', join(dir, 'x.crt'), '--out-key', join(dir, 'x.key')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a CA certificate/);
    expect(existsSync(join(dir, 'x.crt')) || existsSync(join(dir, 'x.key'))).toBe(false);
  });

  it('bad input: a certificate given as --issuer-key, a missing issuer, an unknown key type', async () => {
    const dir = tempDir();
    expect((await runCli(['gen-cert', '--mode', 'pki', '--out-dir', dir])).code).toBe(0);
    const base = ['gen-cert', '--mode', 'pki', '--profile', 'dp', '--out-cert', join(dir, 'x.crt'), '--out-key', join(dir, 'x.key')];
    const wrong = await runCli([...base, '--issuer-cert', join(dir, 'ca.crt'), '--issuer-key', join(dir, 'ca.crt')]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--issuer-key .*no private key found \(this is a certificate/);
    const missing = await runCli([...base, '--issuer-cert', join(dir, 'nope.crt'), '--issuer-key', join(dir, 'ca.key')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--issuer-cert .*nope\.crt: no such file/);
    const keyType = await runCli(['gen-cert', '--mode', 'pki', '--out-dir', join(dir, 'o'), '--key-type', 'dsa']);
    expect(keyType.code).toBe(2);
    expect(keyType.stderr).toMatch(/--key-type/);
    expect(existsSync(join(dir, 'x.crt')) || existsSync(join(dir, 'o'))).toBe(false);
  });
});
