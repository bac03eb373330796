// verify-chain against chains that the openssl CLI built, with openssl's own verdict as a cross-check.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { EXT, makeRoot, makeSigned, opensslChain, opensslVerify } from '../helpers/openssl.js';

function bundle(dir: string, name: string, files: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, files.map((f) => readFileSync(f, 'utf8')).join(''));
  return path;
}

async function verifyJson(args: string[]) {
  const r = await runCli(['verify-chain', ...args, '-o', 'json']);
  return { code: r.code, report: r.stdout ? JSON.parse(r.stdout) : undefined, stderr: r.stderr };
}

describe('verify-chain on openssl-built chains', () => {
  it.each([1, 2, 3, 4])('%i intermediate(s): valid up to 3, depth beyond; openssl agrees on the chain itself', async (n) => {
    const dir = tempDir();
    const c = opensslChain(dir, n, EXT.client);
    const leafBundle = bundle(dir, 'presented.crt', [c.leaf.crt, ...c.inters.map((i) => i.crt)]);
    const chain = bundle(dir, 'chain.crt', c.inters.map((i) => i.crt));
    expect(opensslVerify(dir, ['-x509_strict', '-purpose', 'sslclient', '-CAfile', c.root.crt, '-untrusted', chain, c.leaf.crt]).ok).toBe(true);
    const { code, report } = await verifyJson(['--cert', leafBundle, '--ca', c.root.crt]);
    expect(report.path).toHaveLength(n + 2);
    if (n <= 3) {
      expect(code).toBe(0);
      expect(report.valid).toBe(true);
    } else {
      expect(code).toBe(1);
      expect(report.problems.map((p: { code: string }) => p.code)).toEqual(['depth']);
    }
  });

  it('finds the path whatever the order of the bundle, and takes intermediates from --chain', async () => {
    const dir = tempDir();
    const c = opensslChain(dir, 3, EXT.client);
    const shuffled = bundle(dir, 'shuffled.crt', [c.leaf.crt, c.inters[2]!.crt, c.inters[0]!.crt]);
    const { code, report } = await verifyJson(['--cert', shuffled, '--chain', c.inters[1]!.crt, '--ca', c.root.crt]);
    expect(code).toBe(0);
    expect(report.path.map((p: { subject: string }) => p.subject)).toEqual(['CN=c-leaf', 'CN=c-inter3', 'CN=c-inter2', 'CN=c-inter1', 'CN=c-root']);
  });

  it('wrong EKU: a serverAuth-only certificate presented by a DP', async () => {
    const dir = tempDir();
    const c = opensslChain(dir, 1, EXT.server);
    expect(opensslVerify(dir, ['-purpose', 'sslclient', '-CAfile', c.root.crt, '-untrusted', c.inters[0]!.crt, c.leaf.crt]).ok).toBe(false);
    const { code, report } = await verifyJson(['--cert', c.leaf.crt, '--chain', c.inters[0]!.crt, '--ca', c.root.crt, '--role', 'dp']);
    expect(code).toBe(1);
    expect(report.problems).toEqual([expect.objectContaining({ code: 'eku', certificate: 0 })]);
    expect((await verifyJson(['--cert', c.leaf.crt, '--chain', c.inters[0]!.crt, '--ca', c.root.crt, '--role', 'cp', '--server-name', 'cp.test'])).code).toBe(0);
  });

  it('non-CA issuer: a leaf that signed another certificate', async () => {
    const dir = tempDir();
    const root = makeRoot(dir, 'root');
    const signer = makeSigned(dir, 'signer', root, EXT.nonCaSigner);
    const leaf = makeSigned(dir, 'leaf', signer, EXT.client);
    expect(opensslVerify(dir, ['-CAfile', root.crt, '-untrusted', signer.crt, leaf.crt]).ok).toBe(false);
    const { code, report } = await verifyJson(['--cert', bundle(dir, 'b.crt', [leaf.crt, signer.crt]), '--ca', root.crt]);
    expect(code).toBe(1);
    expect(report.problems).toContainEqual(expect.objectContaining({ code: 'ca', certificate: 1 }));
  });

  it('pathlen 0 violated', async () => {
    const dir = tempDir();
    const root = makeRoot(dir, 'root');
    const i1 = makeSigned(dir, 'i1', root, EXT.ca(0));
    const i2 = makeSigned(dir, 'i2', i1, EXT.ca());
    const leaf = makeSigned(dir, 'leaf', i2, EXT.client);
    const chain = bundle(dir, 'chain.crt', [i2.crt, i1.crt]);
    expect(opensslVerify(dir, ['-CAfile', root.crt, '-untrusted', chain, leaf.crt]).output).toMatch(/path length constraint exceeded/);
    const { code, report } = await verifyJson(['--cert', leaf.crt, '--chain', chain, '--ca', root.crt]);
    expect(code).toBe(1);
    expect(report.problems).toEqual([expect.objectContaining({ code: 'pathlen', certificate: 2 })]);
  });

  it('an intermediate as the anchor', async () => {
    const dir = tempDir();
    const c = opensslChain(dir, 1, EXT.client);
    expect(opensslVerify(dir, ['-CAfile', c.inters[0]!.crt, c.leaf.crt]).ok).toBe(false);
    const { code, report } = await verifyJson(['--cert', c.leaf.crt, '--ca', c.inters[0]!.crt]);
    expect(code).toBe(1);
    expect(report.problems.map((p: { code: string }) => p.code)).toEqual(['ca-not-root']);
  });

  it('expired, judged with --at', async () => {
    const dir = tempDir();
    const c = opensslChain(dir, 1, EXT.client);
    const args = ['--cert', c.leaf.crt, '--chain', c.inters[0]!.crt, '--ca', c.root.crt];
    expect((await verifyJson(args)).code).toBe(0);
    const later = await verifyJson([...args, '--at', '2099-01-01T00:00:00Z']);
    expect(later.code).toBe(1);
    expect(later.report.problems.map((p: { code: string }) => p.code)).toEqual(['expired', 'expired', 'expired']);
    const earlier = await verifyJson([...args, '--at', '2001-01-01T00:00:00Z']);
    expect(earlier.report.problems.map((p: { code: string }) => p.code)).toContain('not-yet-valid');
  });

  it('weak key: RSA 1024 leaf', async () => {
    const dir = tempDir();
    const root = makeRoot(dir, 'root');
    const leaf = makeSigned(dir, 'leaf', root, EXT.client, { newkey: ['-newkey', 'rsa:1024'] });
    const { code, report } = await verifyJson(['--cert', leaf.crt, '--ca', root.crt]);
    expect(code).toBe(1);
    expect(report.problems).toEqual([expect.objectContaining({ code: 'weak-key', certificate: 0 })]);
  });

  it('text output marks each certificate and gives a fix for each problem', async () => {
    const dir = tempDir();
    const c = opensslChain(dir, 1, EXT.server);
    const r = await runCli(['verify-chain', '--cert', c.leaf.crt, '--chain', c.inters[0]!.crt, '--ca', c.root.crt]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ \[0\] CN=c-leaf/);
    expect(r.stdout).toMatch(/✓ \[1\] CN=c-inter1/);
    expect(r.stdout).toMatch(/eku \[0\]: .*needs clientAuth/);
    expect(r.stdout).toMatch(/fix: .*gen-cert --mode pki --profile dp/);
    expect(r.stdout).toMatch(/chain is invalid/);
  });
});

describe('verify-chain with bad input exits 2 with one clear line', () => {
  it.each([
    ['a file that is not PEM', (d: string) => (writeFileSync(join(d, 'x.crt'), 'hello'), join(d, 'x.crt')), /--cert .*x\.crt: not a PEM file/],
    ['a private key where a certificate belongs', (d: string) => makeRoot(d, 'k').key, /no certificate found.*private key/],
    ['a missing file', (d: string) => join(d, 'missing.crt'), /--cert .*missing\.crt: no such file/],
    ['an empty bundle', (d: string) => (writeFileSync(join(d, 'empty.crt'), ''), join(d, 'empty.crt')), /not a PEM file/],
  ])('%s', async (_name, make, message) => {
    const dir = tempDir();
    const ca = makeRoot(dir, 'ca');
    const r = await runCli(['verify-chain', '--cert', make(dir), '--ca', ca.crt]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('rejects an unknown flag value with the accepted options', async () => {
    const r = await runCli(['verify-chain', '--cert', 'a', '--ca', 'b', '--role', 'edge']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--role.*edge.*cp, dp/);
  });
});
