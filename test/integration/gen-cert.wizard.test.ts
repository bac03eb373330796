// The gen-cert wizard on a real terminal (tmux), and its absence where no one can answer.
import { describe, expect, it, onTestFinished } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, runCli, tempDir } from '../helpers/cli.js';

const socket = `hybridctl-test-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', 'w');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: RegExp | (() => boolean), ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (typeof what === 'function' ? what() : what.test(screen())) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${screen()}`);
}

describe('gen-cert wizard', () => {
  it('asks for mode, hostnames, intermediates and directory on a TTY, then writes the chain', async () => {
    const dir = tempDir();
    onTestFinished(() => { try { tmux('kill-server'); } catch { /* already gone */ } });
    tmux('new-session', '-d', '-s', 'w', '-x', '160', '-y', '40', `env -u CI NO_COLOR=1 ${process.execPath} ${BIN} gen-cert; sleep 30`);
    await waitFor(/Which cluster_mtls mode\?/);
    tmux('send-keys', '-t', 'w', 'Down', 'Enter');
    await waitFor(/Names the CP is reached by/);
    tmux('send-keys', '-t', 'w', 'cp.wizard.test', 'Enter');
    await waitFor(/Intermediate CAs/);
    tmux('send-keys', '-t', 'w', 'C-u', '2', 'Enter');
    await waitFor(/Output directory/);
    tmux('send-keys', '-t', 'w', 'C-u', join(dir, 'pki'), 'Enter');
    await waitFor(() => existsSync(join(dir, 'pki', 'chain.crt')));
    await waitFor(/intermediate-2\.crt/);
    expect(readdirSync(join(dir, 'pki')).sort()).toEqual(
      ['ca.crt', 'ca.key', 'chain.crt', 'cp.crt', 'cp.key', 'dp.crt', 'dp.key', 'intermediate-1.crt', 'intermediate-1.key', 'intermediate-2.crt', 'intermediate-2.key']);
    const check = await runCli(['verify-chain', '--cert', join(dir, 'pki/cp.crt'), '--ca', join(dir, 'pki/ca.crt'), '--role', 'cp', '--server-name', 'cp.wizard.test']);
    expect(check.code, check.stdout).toBe(0);
  });

  it('never prompts in CI or with --no-input: it makes the Kong-compatible default instead', async () => {
    for (const [args, env] of [[['gen-cert'], { CI: 'true' }], [['--no-input', 'gen-cert'], { CI: undefined }]] as const) {
      const dir = tempDir();
      const r = await runCli([...args], { cwd: dir, env });
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).not.toMatch(/cluster_mtls mode\?/);
      expect(readdirSync(dir).sort()).toEqual(['cluster.crt', 'cluster.key']);
    }
  });
});
