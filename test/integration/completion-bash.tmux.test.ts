// bash completion as an operator presses Tab in a real interactive bash (tmux), in the README's
// layout: a pki/ directory beside the command. Choices complete as words, paths as paths.
import { describe, expect, it, onTestFinished } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { tmuxDriver } from '../helpers/tmux.js';

const SCRIPT = resolve(__dirname, '../../completions/hybridctl.bash');
const { tmux, screen, sleep, waitFor } = tmuxDriver('compl');

/** Types `line`, presses Tab, returns the line the prompt then shows. */
async function tab(line: string): Promise<string> {
  tmux('send-keys', '-t', 'w', 'C-u');
  tmux('send-keys', '-t', 'w', '-l', line);
  tmux('send-keys', '-t', 'w', 'Tab');
  await sleep(300);
  tmux('send-keys', '-t', 'w', '-l', '#END');
  const s = await waitFor(/#END/);
  return s.split('\n').find((l) => l.includes('#END'))!.replace(/^\$ /, '').replace(/#END.*$/, '');
}

describe('bash completion under an interactive bash', () => {
  it('completes enum values as words (not the pki/ directory) and file flags as paths', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'pki'));
    writeFileSync(join(dir, 'pki', 'ca.crt'), '');
    writeFileSync(join(dir, 'rc'), `PS1='$ '\nsource ${SCRIPT}\n`);
    onTestFinished(() => { try { tmux('kill-server'); } catch { /* already gone */ } });
    tmux('new-session', '-d', '-s', 'w', '-x', '200', '-y', '50', '-c', dir, `env -i HOME=${dir} TERM=xterm PATH=/usr/bin:/bin bash --noprofile --rcfile ${join(dir, 'rc')} -i`);
    await waitFor(/^\$/m);
    expect(await tab('hybridctl dp run --cluster-mtls p')).toBe('hybridctl dp run --cluster-mtls pki ');
    expect(await tab('hybridctl cp run --cluster-mtls sh')).toBe('hybridctl cp run --cluster-mtls shared ');
    expect(await tab('hybridctl dp run --ca-cert-file pk')).toBe('hybridctl dp run --ca-cert-file pki/');
    expect(await tab('hybridctl dp run --cluster-ca-cert pki/c')).toBe('hybridctl dp run --cluster-ca-cert pki/ca.crt ');
    expect(await tab('hybridctl gen-cert --mode p')).toBe('hybridctl gen-cert --mode pki ');
    expect(await tab('hybridctl dp run ---')).toBe('hybridctl dp run ---');
  });
});

describe('bash completion word lists', () => {
  it('dp run -- offers kong.conf flags but none of Kong\'s internal _-prefixed properties', () => {
    const out = execFileSync('bash', ['-c', `source ${SCRIPT}; COMP_WORDS=(hybridctl dp run --); COMP_CWORD=3; _hybridctl; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
    const words = out.trim().split('\n');
    expect(words).toEqual(expect.arrayContaining(['--cluster-mtls', '--cluster-cert', '--proxy-listen', '--status-listen', '--cp-address']));
    expect(words.filter((w) => !w.startsWith('--') || w.startsWith('---'))).toEqual([]);
    expect(words).not.toContain('---debug-pg-ttl-cleanup-interval');
  });
});
