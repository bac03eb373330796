// Completions and man pages: generated from the command tree, committed, and kept fresh.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCli } from '../helpers/cli.js';

const ROOT = resolve(__dirname, '../..');

describe('generated files are fresh (run `npm run docs` when this fails)', () => {
  it.each([
    ['bash', 'completions/hybridctl.bash'],
    ['zsh', 'completions/_hybridctl'],
    ['fish', 'completions/hybridctl.fish'],
  ])('completion %s matches %s', async (shell, file) => {
    const r = await runCli(['completion', shell]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(ROOT, file), 'utf8'));
  });

  it('man/ holds exactly one current page per command', async () => {
    const list = (await runCli(['man', '--list'])).stdout.trim().split('\n');
    expect(readdirSync(join(ROOT, 'man')).sort()).toEqual([...list].sort());
    for (const page of list) {
      const name = page.replace(/\.1$/, '').replace(/^hybridctl-?/, '');
      const r = await runCli(name ? ['man', name] : ['man']);
      expect(r.stdout, page).toBe(readFileSync(join(ROOT, 'man', page), 'utf8'));
    }
    // One process per page: on a loaded machine that is a second each.
  }, 120_000);
});

function complete(words: string[]): string[] {
  // Drive the generated bash function the way readline would, with compgen doing the matching.
  const script = `source ${join(ROOT, 'completions/hybridctl.bash')}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _hybridctl; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', script], { encoding: 'utf8', cwd: ROOT }).split('\n').filter(Boolean);
}

describe('bash completion, driven for real', () => {
  it('completes commands', () => {
    expect(complete(['hybridctl', 'ver'])).toEqual(['verify-chain']);
    expect(complete(['hybridctl', ''])).toEqual(expect.arrayContaining(['gen-cert', 'verify-chain', 'completion']));
  });

  it('completes flags of the command being typed', () => {
    expect(complete(['hybridctl', 'gen-cert', '--cp'])).toEqual(['--cp-hostname']);
    expect(complete(['hybridctl', 'verify-chain', '--max'])).toEqual(['--max-intermediates']);
  });

  it('completes the values of flags with a fixed set', () => {
    expect(complete(['hybridctl', 'gen-cert', '--mode', ''])).toEqual(['shared', 'pki']);
    expect(complete(['hybridctl', 'gen-cert', '--key-type', 'e'])).toEqual(['ec', 'ed25519']);
    expect(complete(['hybridctl', 'verify-chain', '--role', ''])).toEqual(['cp', 'dp']);
    expect(complete(['hybridctl', 'completion', ''])).toEqual(['bash', 'zsh', 'fish']);
  });

  it('completes kong.conf properties as daemon flags, with their values', () => {
    expect(complete(['hybridctl', 'dp', 'run', '--cluster-mt'])).toEqual(['--cluster-mtls']);
    expect(complete(['hybridctl', 'dp', 'run', '--cluster-mtls', ''])).toEqual(['shared', 'pki']);
    expect(complete(['hybridctl', 'cp', 'run', '--cluster-ocsp', ''])).toEqual(['on', 'off', 'optional']);
    expect(complete(['hybridctl', 'dp', 'run', '--cluster-use-proxy', ''])).toEqual(['on', 'off']);
    expect(complete(['hybridctl', 'doctor', '--proxy-server-ssl'])).toEqual(['--proxy-server-ssl-verify']);
    expect(complete(['hybridctl', 'gen-cert', '--cluster-mt'])).toEqual([]);
  });

  it('completes file names for file flags, skipping flag values when finding the command', () => {
    expect(complete(['hybridctl', 'verify-chain', '--cert', 'READ'])).toEqual(['README.md']);
    expect(complete(['hybridctl', 'gen-cert', '--out-dir', 'completions', '--mo'])).toEqual(['--mode']);
  });
});

describe('man pages', () => {
  it('render with man -l and carry examples, environment and exit codes', () => {
    const r = spawnSync('man', ['-l', join(ROOT, 'man/hybridctl-gen-cert.1')], { encoding: 'utf8', env: { ...process.env, MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '100' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/EXAMPLES[\s\S]*hybridctl gen-cert --mode pki/);
    expect(r.stdout).toMatch(/ENVIRONMENT[\s\S]*NO_COLOR/);
    expect(r.stdout).toMatch(/EXIT CODES[\s\S]*usage error/);
  });

  it('--help shows the same examples and exit codes', async () => {
    const r = await runCli(['verify-chain', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples:\n {2}hybridctl verify-chain --cert pki\/dp.crt --ca pki\/ca.crt/);
    expect(r.stdout).toMatch(/Exit codes:\n {2}0/);
  });
});
