// verify-chain with a --ca bundle of thousands of certificates: anchors are found by name, so the
// answer is the same as with the root alone (speed is measured in bench/verify-chain-ca.mjs).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { manyRoots } from '../helpers/many-roots.js';

let dir: string;
let others: string[];
const p = (f: string) => join(dir, f);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verify-large-ca-'));
  expect((await runCli(['gen-cert', '--mode', 'pki', '--out-dir', dir])).code).toBe(0);
  others = await manyRoots(2000);
  // Same subject as the real root, another key: found by name, refused by signature.
  const impostor = (await manyRoots(1, () => 'CN=hybridctl Root CA, O=hybridctl'))[0]!;
  const root = readFileSync(p('ca.crt'), 'utf8');
  writeFileSync(p('big.crt'), [...others.slice(0, 1000), impostor, root, ...others.slice(1000)].join(''));
  writeFileSync(p('big-without-root.crt'), [...others, impostor].join(''));
  writeFileSync(p('big-with-intermediate.crt'), [...others, readFileSync(p('intermediate-1.crt'), 'utf8')].join(''));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('verify-chain --ca with thousands of anchors', () => {
  it('finds the root among 2,002 certificates (next to one with its name and another key)', async () => {
    const r = await runCli(['verify-chain', '--cert', p('dp.crt'), '--ca', p('big.crt'), '-o', 'json']);
    expect(r.code, r.stdout).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.valid).toBe(true);
    expect(report.path.map((c: { subject: string }) => c.subject)).toEqual(['CN=kong-dp', 'CN=hybridctl Intermediate CA 1, O=hybridctl', 'CN=hybridctl Root CA, O=hybridctl']);
    const alone = JSON.parse((await runCli(['verify-chain', '--cert', p('dp.crt'), '--ca', p('ca.crt'), '-o', 'json'])).stdout);
    expect(report.path).toEqual(alone.path);
  });

  it('reports untrusted, naming the signature, when only a same-named root is there', async () => {
    const r = await runCli(['verify-chain', '--cert', p('dp.crt'), '--ca', p('big-without-root.crt'), '-o', 'json']);
    expect(r.code).toBe(1);
    const problems = JSON.parse(r.stdout).problems as { code: string; message: string }[];
    expect(problems.map((x) => x.code)).toEqual(['untrusted']);
    expect(problems[0]!.message).toContain("does not verify with the key of 'CN=hybridctl Root CA, O=hybridctl'");
  });

  it('reports ca-not-root for an intermediate given among them', async () => {
    const r = await runCli(['verify-chain', '--cert', p('dp.crt'), '--ca', p('big-with-intermediate.crt'), '-o', 'json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).problems.map((x: { code: string }) => x.code)).toContain('ca-not-root');
  });

  it('names a damaged certificate of the bundle by its position (exit 2)', async () => {
    const broken = others.slice(0, 10).join('') + '-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n';
    writeFileSync(p('broken.crt'), broken);
    const r = await runCli(['verify-chain', '--cert', p('dp.crt'), '--ca', p('broken.crt')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: cannot read --ca ${p('broken.crt')}: certificate 11 is not a valid X.509 certificate`);
  });
});
