// hybridctl lint as a process: the contract's exit codes, JSON document and last line.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { runCli } from '../helpers/cli.js';

const FIX = resolve(__dirname, '../fixtures/conf');

describe('hybridctl lint', () => {
  it('exits 1 with every finding in the contract\'s JSON shape, secrets masked', async () => {
    const r = await runCli(['lint', `${FIX}/dp-shared-behind-proxy.conf`, '-o', 'json']);
    expect(r.code).toBe(1); // no cluster certificate: Kong's error, plus warnings
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(['file', 'valid', 'findings']);
    expect(doc.valid).toBe(false);
    expect(doc.findings.filter((f: { severity: string }) => f.severity === 'warning').length).toBeGreaterThanOrEqual(4);
    for (const f of doc.findings) expect(Object.keys(f).slice(0, 5)).toEqual(['severity', 'key', 'line', 'rule', 'message']);
    expect(r.stdout).not.toContain('S3cretPassw0rd');
    const bad = await runCli(['lint', `${FIX}/dp-proxy-missing.conf`, '-o', 'json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).valid).toBe(false);
  });

  it('text mode groups by severity and ends with the verdict line', async () => {
    const ok = await runCli(['lint', `${FIX}/traditional-ok.conf`]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim().split('\n').at(-1)).toBe(`configuration at ${FIX}/traditional-ok.conf is valid`);
    const bad = await runCli(['lint', `${FIX}/cp-bad-values.conf`]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^\d+ errors:/);
    expect(bad.stdout).toMatch(/cp-bad-values\.conf:4 admin_listen must be specified when role = "control_plane" \[control-plane-requirements\]/);
    expect(bad.stdout).not.toMatch(/is valid$/);
  });

  it('applies KONG_* overrides and --role, and exits 2 on an unreadable file', async () => {
    const env = await runCli(['lint', `${FIX}/traditional-ok.conf`, '--role', 'dp', '-o', 'json'], { env: { KONG_CLUSTER_USE_PROXY: 'on' } });
    const doc = JSON.parse(env.stdout);
    expect(doc.findings.find((f: { rule: string }) => f.rule === 'proxy-server-required')).toMatchObject({ line: null });
    expect(env.code).toBe(1);
    const missing = await runCli(['lint', '/nonexistent/kong.conf']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read configuration file \/nonexistent\/kong.conf: no such file/);
    expect((await runCli(['lint', `${FIX}/traditional-ok.conf`, '--role', 'xx'])).code).toBe(2);
  });

  it('never prints a proxy password, in text or JSON, from the file or from KONG_*', async () => {
    const file = `${FIX}/corpus/dp-proxy-credentials.conf`;
    for (const output of ['text', 'json']) {
      const r = await runCli(['lint', file, '-o', output], { env: { KONG_PG_PASSWORD: 'PgS3cret' } });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('proxy-credentials-encoding');
      expect(r.stdout + r.stderr).not.toMatch(/p@ss|PgS3cret/);
    }
    const env = await runCli(['lint', `${FIX}/traditional-ok.conf`, '--role', 'dp'], { env: { KONG_CLUSTER_USE_PROXY: 'on', KONG_PROXY_SERVER: 'http://hybrid:Env@Pass@proxy:3128' } });
    expect(env.stdout).toMatch(/proxy_server \(KONG_PROXY_SERVER\): the proxy_server credentials contain an unencoded '@'/);
    expect(env.stdout + env.stderr).not.toContain('Env@Pass');
  });

  it("Kong's own kong.conf.default is valid, and a directory is unreadable input", async () => {
    const ok = await runCli(['lint', resolve(__dirname, '../fixtures/kong/kong.conf.default'), '-o', 'json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ valid: true, findings: [] });
    const dir = await runCli(['lint', FIX]);
    expect(dir.code).toBe(2);
    expect(dir.stderr).toMatch(/cannot read configuration file .*conf: is a directory/);
  });

  it.skipIf(existsSync('/etc/kong/kong.conf') || existsSync('/etc/kong.conf'))('without a FILE, searches Kong\'s default paths and exits 2 when there is none', async () => {
    const r = await runCli(['lint']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/etc/kong/kong.conf or /etc/kong.conf');
  });
});
