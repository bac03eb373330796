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
    // One stream, in order: the steps, their results and the table; each line once.
    const lines = r.stdout.split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(at(/^1\. a root CA/)).toBeLessThan(at(/^3\. creating a service/));
    expect(at(/POST \/services → 201/)).toBeLessThan(at(/synced in \d+ ms/));
    expect(at(/synced in \d+ ms/)).toBeLessThan(at(/^4\. a request/));
    expect(at(/^5\. the control plane's view/)).toBeLessThan(at(/demo-dp-1/));
    expect(lines.filter((l) => /waiting for both data planes/.test(l))).toHaveLength(1);
    expect(r.stderr).toBe('');
    const dir = /in (\/\S+hybridctl-demo-\S+)/.exec(r.stdout)?.[1];
    expect(dir).toBeDefined();
    expect(existsSync(dir!)).toBe(false);
    expect(r.stdout + r.stderr).not.toMatch(/PRIVATE KEY/);
  }, 60_000);
});
