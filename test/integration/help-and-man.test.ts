// --help, the man pages and package.json come from one command tree: the daemons show the flags
// the README uses with Kong's default ports, the man pages say more than the one-line summary.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { runCli } from '../helpers/cli.js';

const ROOT = resolve(__dirname, '../..');
// Rendered and with runs of spaces (justification) folded, so phrases can be matched.
const man = (page: string) =>
  spawnSync('man', ['-l', join(ROOT, 'man', page)], { encoding: 'utf8', env: { ...process.env, MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '200' } }).stdout.replace(/[ \t]+/g, ' ');

describe('daemon --help', () => {
  it('cp run shows the README flags, the default ports, signals, files and environment', async () => {
    const r = await runCli(['cp', 'run', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--cluster-mtls <mode>', '--cluster-cert <file>', '--cluster-cert-key <file>', '--cluster-ca-cert <file>', '--admin-listen <addr>', '--cluster-listen <addr>', '--status-listen <addr>']) {
      expect(r.stdout).toContain(flag);
    }
    const flat = r.stdout.replace(/\s+/g, ' ');
    expect(flat).toContain('default 127.0.0.1:8001');
    expect(flat).toContain('default 0.0.0.0:8005');
    expect(r.stdout).toMatch(/Signals:\n {2}SIGINT, SIGTERM/);
    expect(r.stdout).toMatch(/Environment:\n {2}KONG_\*/);
    expect(r.stdout).toContain('HYBRIDCTL_WORK_DIR');
  });

  it('dp run shows --cluster-mtls, --proxy-listen and --status-listen with their defaults', async () => {
    const flat = (await runCli(['dp', 'run', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(flat).toContain('--proxy-listen <addr> where traffic is proxied (proxy_listen, default 0.0.0.0:8000, 0.0.0.0:8443 ssl)');
    expect(flat).toContain('--status-listen <addr>');
    expect(flat).toContain('--cluster-mtls <mode>');
  });

  it('the featured flags set their kong.conf properties', async () => {
    const r = await runCli(['dp', 'run', '--prefix', '/nonexistent-prefix', '--status-listen', 'nonsense', '--cp-address', 'cp:8005', '--cert-file', '/nope.crt', '--key-file', '/nope.key']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('  status_listen must be of form');
    expect(r.stderr).not.toContain('status_listen: status_listen');
  });
});

describe('man pages', () => {
  it('describe beyond the summary and carry FILES, SIGNALS, problem codes and lint rules', () => {
    const cp = man('hybridctl-cp-run.1');
    expect(cp).toMatch(/DESCRIPTION\s+Serves the Admin API/);
    expect(cp).toMatch(/FILES[\s\S]*PREFIX\/cp-store/);
    expect(cp).toMatch(/SIGNALS[\s\S]*SIGINT, SIGTERM/);
    expect(cp).toMatch(/OPTIONS[\s\S]*--admin-listen addr/);
    const verify = man('hybridctl-verify-chain.1');
    expect(verify).toMatch(/PROBLEM CODES[\s\S]*ca-not-root[\s\S]*key-mismatch/);
    expect(verify).toMatch(/WARNING CODES[\s\S]*expires-soon/);
    const lint = man('hybridctl-lint.1');
    expect(lint).toMatch(/RULES[\s\S]*cluster-address[\s\S]*control-plane-port/);
    for (const page of readdirSync(join(ROOT, 'man'))) {
      const text = man(page);
      const summary = /NAME\s+\S+ - (.*)/.exec(text)?.[1]?.trim();
      expect(summary, page).toBeTruthy();
      const description = /DESCRIPTION\s+([^\n]*)/.exec(text)?.[1]?.trim() ?? '';
      expect(description.toLowerCase(), page).not.toBe(summary!.toLowerCase());
    }
  });

  it('package.json names every generated page in its man field', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { man: string[] };
    expect([...pkg.man].sort()).toEqual(readdirSync(join(ROOT, 'man')).map((f) => `./man/${f}`).sort());
  });
});
