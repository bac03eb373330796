// inspect-cert against openssl's reading of the same files.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { openssl } from '../helpers/openssl.js';

describe('inspect-cert', () => {
  it('lists every certificate of a bundle with the facts openssl also reports', async () => {
    const dir = tempDir();
    expect((await runCli(['gen-cert', '--mode', 'pki', '--out-dir', dir, '--cp-hostname', 'cp.test', '--cp-hostname', '10.9.8.7', '--key-type', 'rsa'])).code).toBe(0);
    const r = await runCli(['inspect-cert', join(dir, 'cp.crt'), '-o', 'json']);
    expect(r.code).toBe(0);
    const { certificates } = JSON.parse(r.stdout);
    expect(certificates).toHaveLength(2);
    const [leaf, inter] = certificates;
    const sha256 = openssl(['x509', '-in', join(dir, 'cp.crt'), '-noout', '-fingerprint', '-sha256'], dir).trim().split('=')[1];
    expect(leaf.fingerprints.sha256).toBe(sha256);
    expect(leaf).toMatchObject({ subject: 'CN=cp.test', dnsNames: ['cp.test'], ipAddresses: ['10.9.8.7'], extendedKeyUsage: ['serverAuth'], keyUsage: ['digitalSignature'], keyType: 'RSA 2048', isCA: false });
    expect(inter).toMatchObject({ isCA: true, pathLen: 0, keyUsage: ['keyCertSign', 'cRLSign'] });
    const serial = openssl(['x509', '-in', join(dir, 'cp.crt'), '-noout', '-serial'], dir).trim().split('=')[1]!;
    expect(leaf.serial.toUpperCase()).toBe(serial.replace(/^0+/, '').padStart(leaf.serial.length, '0'));
  });

  it('reads Kong-style v1 certificates and says what they lack', async () => {
    const dir = tempDir();
    // What `kong hybrid gen_cert` makes: X.509 v1, serial 0, no extensions.
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-keyout', 'k.pem', '-out', 'c.csr', '-subj', '/CN=kong_clustering'], dir);
    openssl(['x509', '-req', '-in', 'c.csr', '-signkey', 'k.pem', '-days', '3', '-set_serial', '0', '-out', 'c.pem'], dir);
    const r = await runCli(['inspect-cert', join(dir, 'c.pem')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/issuer +CN=kong_clustering \(self-signed\)/);
    expect(r.stdout).toMatch(/extended key usage +\(none: any purpose\)/);
    expect(r.stdout).toMatch(/key +EC P-384/);
    const json = JSON.parse((await runCli(['inspect-cert', join(dir, 'c.pem'), '-o', 'json'])).stdout);
    expect(json.certificates[0]).toMatchObject({ version: 1, serial: '00', selfSigned: true, isCA: false });
    // Kong's own pair is valid for shared mode: pinned to itself, no EKU needed.
    expect((await runCli(['verify-chain', '--mode', 'shared', '--cert', join(dir, 'c.pem'), '--ca', join(dir, 'c.pem'), '--key', join(dir, 'k.pem')])).code).toBe(0);
  });

  it('exits 2 for a file without certificates', async () => {
    const dir = tempDir();
    openssl(['genpkey', '-algorithm', 'ed25519', '-out', 'k.pem'], dir);
    const r = await runCli(['inspect-cert', join(dir, 'k.pem')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no certificate found/);
  });
});
