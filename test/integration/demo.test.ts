// The README's first command: a whole cluster comes up, syncs, serves, and goes away cleanly.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { runCli } from '../helpers/cli.js';

describe('hybridctl demo', () => {
  it('starts a CP and two DPs in pki mode, sends traffic through each and stops', async () => {
    const r = await runCli(['demo']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/POST \/services → 201, POST \/services\/demo\/routes → 201/);
    expect(r.stdout).toMatch(/GET \/demo\/hello via data plane 1 → 200 .*"path":"\/hello"/);
    expect(r.stdout).toMatch(/GET \/demo\/hello via data plane 2 → 200/);
    expect(r.stdout).toMatch(/GET \/nowhere via data plane 1 → 404 \{"message":"no Route matched with those values"\}/);
    const table = r.stdout.split('\n').filter((l) => /demo-dp-\d/.test(l));
    expect(table).toHaveLength(2);
    for (const row of table) expect(row).toMatch(/127\.0\.0\.1\s+3\.10\.0\s+normal/);
    expect(r.stderr).toMatch(/synced in \d+ ms/);
    const dir = /in (\/\S+hybridctl-demo-\S+)/.exec(r.stderr)?.[1];
    expect(dir).toBeDefined();
    expect(existsSync(dir!)).toBe(false);
    expect(r.stdout + r.stderr).not.toMatch(/PRIVATE KEY/);
  }, 60_000);
});
