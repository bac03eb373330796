// gen-cert refuses outputs it cannot write sensibly (one path for two files, a directory, an input,
// a validity X.509 cannot encode) before generating anything: exit 2, one line naming the flag, nothing written.
import { describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';

const errorLine = (stderr: string) => stderr.split('\n').find((l) => l.startsWith('error:')) ?? '';

describe('gen-cert output paths and validity', () => {
  it('refuses the same path for certificate and key, keeping an existing file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'same.pem'), 'kept');
    const r = await runCli(['gen-cert', 'same.pem', 'same.pem', '--force'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toContain(`CERT and KEY are the same file (${join(dir, 'same.pem')})`);
    expect(readFileSync(join(dir, 'same.pem'), 'utf8')).toBe('kept');
    expect(readdirSync(dir)).toEqual(['same.pem']);
  });

  it('refuses two spellings of one path (./a and a)', async () => {
    const dir = tempDir();
    const r = await runCli(['gen-cert', './a', 'a'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses --days beyond 9999-12-31 naming --days and the maximum', async () => {
    const dir = tempDir();
    const r = await runCli(['gen-cert', 'a.crt', 'a.key', '--days', '1000000000'], { cwd: dir });
    expect(r.code).toBe(2);
    const max = Math.floor((Date.UTC(9999, 11, 31, 23, 59, 59) - Date.now()) / 86_400_000);
    expect(errorLine(r.stderr)).toMatch(new RegExp(`--days; a certificate cannot be valid past 9999-12-31, so at most (${max}|${max - 1}) days`));
    expect(r.stderr).not.toContain('internal error');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('accepts a validity ending just before 9999-12-31 and writes a parseable certificate', async () => {
    const dir = tempDir();
    const r = await runCli(['gen-cert', 'a.crt', 'a.key', '--days', '2900000'], { cwd: dir });
    expect(r.code).toBe(0);
    const { X509Certificate } = await import('node:crypto');
    expect(new Date(new X509Certificate(readFileSync(join(dir, 'a.crt'))).validTo).getUTCFullYear()).toBeGreaterThan(9000);
  });

  it('refuses a directory as the certificate path, even with --force (no EISDIR)', async () => {
    const dir = tempDir();
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    const r = await runCli(['gen-cert', '..', 'x.key', '--force'], { cwd: sub });
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toBe(`error: CERT ${dir} is a directory, not a file`);
    expect(readdirSync(sub)).toEqual([]);
  });

  it('pki --out-dir: refuses a file as the directory, a directory where a file goes, and --ca-days beyond X.509', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'f'), '');
    let r = await runCli(['gen-cert', '--mode', 'pki', '--out-dir', 'f'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toBe(`error: --out-dir ${join(dir, 'f')} is a file, not a directory`);
    mkdirSync(join(dir, 'pki', 'cp.key'), { recursive: true });
    r = await runCli(['gen-cert', '--mode', 'pki', '--out-dir', 'pki', '--force'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toBe(`error: --out-dir ${join(dir, 'pki', 'cp.key')} is a directory, not a file`);
    expect(readdirSync(join(dir, 'pki'))).toEqual(['cp.key']);
    r = await runCli(['gen-cert', '--mode', 'pki', '--out-dir', 'new', '--ca-days', '99999999'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toContain("invalid value '99999999' for --ca-days");
    expect(readdirSync(dir).sort()).toEqual(['f', 'pki']);
  });

  it('pki --profile: refuses --out-cert = --out-key, an output over the issuer, a directory, and too many --days', async () => {
    const dir = tempDir();
    expect((await runCli(['gen-cert', '--mode', 'pki', '--out-dir', 'pki', '--intermediates', '0'], { cwd: dir })).code).toBe(0);
    const ca = readFileSync(join(dir, 'pki', 'ca.crt'), 'utf8');
    const base = ['gen-cert', '--mode', 'pki', '--profile', 'dp', '--issuer-cert', 'pki/ca.crt', '--issuer-key', 'pki/ca.key'];
    mkdirSync(join(dir, 'd'));
    const cases: [string[], string][] = [
      [['--out-cert', 'x.pem', '--out-key', 'x.pem'], `error: --out-cert and --out-key are the same file (${join(dir, 'x.pem')}); one would overwrite the other`],
      [['--out-cert', 'pki/ca.crt', '--out-key', 'n.key', '--force'], `error: --out-cert ${join(dir, 'pki', 'ca.crt')} is the file given to --issuer-cert; writing it would destroy the input`],
      [['--out-cert', 'd', '--out-key', 'n.key', '--force'], `error: --out-cert ${join(dir, 'd')} is a directory, not a file`],
      [['--out-cert', 'n.crt', '--out-key', 'n.key', '--days', '9999999'], "error: invalid value '9999999' for --days; a certificate cannot be valid past 9999-12-31"],
    ];
    for (const [flags, line] of cases) {
      const r = await runCli([...base, ...flags], { cwd: dir });
      expect(r.code, flags.join(' ')).toBe(2);
      expect(errorLine(r.stderr)).toContain(line);
    }
    expect(readFileSync(join(dir, 'pki', 'ca.crt'), 'utf8')).toBe(ca);
    expect(readdirSync(dir).sort()).toEqual(['d', 'pki']);
  });
});
