// config control-planes: the named control planes file is 0600, never shows a token, and the client
// commands use the current one when neither --cp nor HYBRIDCTL_CP is given.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { pki, post, startCp } from '../helpers/cluster.js';

const pkiDir = mkdtempSync(join(tmpdir(), 'hybridctl-ctx-pki-'));
let certs: (f: string) => string;
beforeAll(async () => {
  certs = await pki(pkiDir);
}, 60_000);
afterAll(() => rmSync(pkiDir, { recursive: true, force: true }));

it('add, list, use, remove; get follows the current control plane; the file is 0600 and tokens stay in it', async () => {
  const { admin } = await startCp(certs, join(tempDir(), 'cp'));
  expect((await post(`${admin}/services`, { name: 'via-context', host: 'x.internal' })).status).toBe(201);
  const file = join(tempDir(), 'sub', 'config.yaml');
  const cli = (args: string[]) => runCli(args, { env: { HYBRIDCTL_CONFIG: file, HYBRIDCTL_CP: undefined } });

  const add = await cli(['config', 'control-planes', 'add', 'local', '--address', admin, '--token', 's3cret-token']);
  expect(add.code, add.stderr).toBe(0);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(add.stderr + add.stdout).not.toContain('s3cret-token');
  expect((await cli(['config', 'control-planes', 'add', 'local', '--address', admin])).code).toBe(1);
  expect((await cli(['config', 'control-planes', 'add', 'other', '--address', 'http://127.0.0.1:1'])).code).toBe(0);

  const list = await cli(['config', 'control-planes', 'list', '-o', 'json']);
  expect(list.stdout).not.toContain('s3cret-token');
  expect(JSON.parse(list.stdout)).toEqual({ current: 'local', control_planes: [
    { name: 'local', address: admin, token: true, current: true },
    { name: 'other', address: 'http://127.0.0.1:1', token: false, current: false },
  ] });
  expect(readFileSync(file, 'utf8')).toContain('s3cret-token');

  const get = await cli(['get', 'services', '-o', 'json']);
  expect(get.code, get.stderr).toBe(0);
  expect((JSON.parse(get.stdout) as { name: string }[]).map((s) => s.name)).toEqual(['via-context']);

  expect((await cli(['config', 'control-planes', 'use', 'other'])).code).toBe(0);
  const elsewhere = await cli(['get', 'services']);
  expect([elsewhere.code, elsewhere.stderr]).toEqual([1, expect.stringContaining('cannot reach the Admin API at http://127.0.0.1:1')]);
  expect((await cli(['config', 'control-planes', 'use', 'nope'])).code).toBe(1);

  expect((await cli(['config', 'control-planes', 'remove', 'other'])).code).toBe(0);
  expect(JSON.parse((await cli(['config', 'control-planes', 'list', '-o', 'json'])).stdout)).toMatchObject({ current: null, control_planes: [{ name: 'local' }] });
  expect(statSync(file).mode & 0o777).toBe(0o600);
});
