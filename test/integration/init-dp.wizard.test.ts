// The init dp questions on a real terminal (tmux): each answer is checked as it is given, and
// Ctrl-C ends quietly with 130.
import { describe, expect, it, onTestFinished } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, runCli, tempDir } from '../helpers/cli.js';
import { tmuxDriver } from '../helpers/tmux.js';

const { tmux, screen, sleep, waitFor } = tmuxDriver('initdp');

function session(dir: string): void {
  onTestFinished(() => { try { tmux('kill-server'); } catch { /* already gone */ } });
  tmux('new-session', '-d', '-s', 'w', '-x', '200', '-y', '50', '-c', dir, `env -u CI NO_COLOR=1 ${process.execPath} ${BIN} init dp; echo "EXIT=$?"; sleep 30`);
}

describe('init dp questions', () => {
  it('re-asks an address or a path that is wrong, right after it is answered', async () => {
    const dir = tempDir();
    expect((await runCli(['gen-cert', '--mode', 'pki', '--out-dir', 'pki'], { cwd: dir })).code).toBe(0);
    session(dir);
    await waitFor(/Control plane cluster address/);
    tmux('send-keys', '-t', 'w', 'http://cp:8005', 'Enter');
    await waitFor(/drop the http:\/\/ scheme/);
    tmux('send-keys', '-t', 'w', 'C-u', 'cp.test:8005', 'Enter');
    await waitFor(/cluster_mtls mode/);
    tmux('send-keys', '-t', 'w', 'Enter');
    await waitFor(/Root CA the CP certificate chains to/);
    tmux('send-keys', '-t', 'w', 'C-u', 'pki/nope.crt', 'Enter');
    const s = await waitFor(/cannot read --ca-cert pki\/nope\.crt: no such file/);
    expect(s).not.toMatch(/CA to issue the DP certificate from/);
    tmux('send-keys', '-t', 'w', 'C-u', 'pki/ca.crt', 'Enter');
    await waitFor(/CA to issue the DP certificate from/);
    tmux('send-keys', '-t', 'w', 'C-u', 'pki/ca.key', 'Enter');
    await waitFor(/cannot read --issuer-cert pki\/ca\.key: no certificate found, only PRIVATE KEY/);
    tmux('send-keys', '-t', 'w', 'C-u', 'pki/intermediate-1.crt', 'Enter');
    await waitFor(/Its private key/);
    tmux('send-keys', '-t', 'w', 'Enter');
    await waitFor(/Name in the CP certificate/);
    tmux('send-keys', '-t', 'w', 'Enter');
    await waitFor(/EXIT=0/);
    expect(readdirSync(join(dir, 'kong-dp')).sort()).toEqual(['cluster-ca.crt', 'dp.crt', 'dp.key', 'kong.conf']);
  });

  it('Ctrl-C at a question exits 130 without an error line and writes nothing', async () => {
    const dir = tempDir();
    session(dir);
    await waitFor(/Control plane cluster address/);
    tmux('send-keys', '-t', 'w', 'C-c');
    const s = await waitFor(/EXIT=\d+/);
    expect(s).toContain('EXIT=130');
    expect(s).not.toMatch(/internal error|error:|SIGINT/);
    expect(existsSync(join(dir, 'kong-dp'))).toBe(false);
  });
});
