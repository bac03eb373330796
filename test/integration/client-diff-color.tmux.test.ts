// diff on a real terminal (tmux) against a real `cp run`: coloured by operation on the TTY, plain
// when the same command writes into a pipe in that same terminal.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { BIN, tempDir } from '../helpers/cli.js';
import { pki, post, startCp } from '../helpers/cluster.js';
import { tmuxDriver } from '../helpers/tmux.js';

const pkiDir = mkdtempSync(join(tmpdir(), 'hybridctl-diffcolor-pki-'));
let certs: (f: string) => string;
beforeAll(async () => {
  certs = await pki(pkiDir);
}, 60_000);
afterAll(() => rmSync(pkiDir, { recursive: true, force: true }));

const { tmux, waitFor } = tmuxDriver('diffcolor');
const ESC = '\x1b';

describe('diff colour', () => {
  it('green creates, yellow updates, red deletes on the terminal; no escape sequences through a pipe', async () => {
    const dir = tempDir();
    const { admin } = await startCp(certs, join(dir, 'cp'));
    expect((await post(`${admin}/services`, { name: 'billing', host: 'billing.internal' })).status).toBe(201);
    expect((await post(`${admin}/services`, { name: 'legacy', host: 'legacy.internal' })).status).toBe(201);
    const file = join(dir, 'kong.yaml');
    writeFileSync(file, '_format_version: "3.0"\nservices:\n  - name: billing\n    host: billing.v2.internal\n  - name: audit\n    host: audit.internal\n');

    onTestFinished(() => { try { tmux('kill-server'); } catch { /* already gone */ } });
    const diff = `${process.execPath} ${BIN} diff ${file} --cp ${admin}`;
    tmux('new-session', '-d', '-s', 'w', '-x', '200', '-y', '50',
      `env -u CI -u NO_COLOR -u FORCE_COLOR TERM=xterm sh -c '${diff}; echo "TTY-EXIT=$?"; ${diff} | cat; echo "PIPE-EXIT=$?"; sleep 30'`);
    await waitFor(/PIPE-EXIT=\d+/);
    // -e keeps the colours tmux drew, as escape sequences.
    const s = tmux('capture-pane', '-p', '-e', '-t', 'w');
    const [onTty, piped] = s.split(/TTY-EXIT=1/);
    expect(piped, s).toMatch(/PIPE-EXIT=0/);

    // tmux redraws the attributes its own way (a reset, then colour and background), so other SGRs may sit between.
    const painted = (sgr: number, word: string) => new RegExp(`${ESC}\\[${sgr}m(?:${ESC}\\[[0-9;]*m)*${word}\\b`);
    expect(onTty).toMatch(painted(32, 'create'));
    expect(onTty).toMatch(painted(33, 'update'));
    expect(onTty).toMatch(painted(31, 'delete'));
    expect(onTty).toContain('summary: 1 to create, 1 to update, 1 to delete');

    const plain = piped!.split('PIPE-EXIT')[0]!;
    expect(plain).toMatch(/^create service "audit" /m);
    expect(plain).toMatch(/^update service "billing" /m);
    expect(plain).toMatch(/^delete service "legacy" /m);
    expect(plain).not.toContain(ESC);
  });
});
