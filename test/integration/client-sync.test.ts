// dump, diff and apply against real `cp run` processes: a decK file applied to an empty CP dumps back
// the same file, diff is empty (exit 0) until something changes (exit 1, JSON per entity and field),
// a select-tag apply leaves other entities alone, and a bad file is one line naming entity and field.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCli, tempDir } from '../helpers/cli.js';
import { pki, post, startCp } from '../helpers/cluster.js';
import { freePort } from '../helpers/net.js';
import { serverPair } from '../helpers/tls-certs.js';

type Row = Record<string, unknown>;
const FIXTURE = join(__dirname, '../fixtures/deck/kong.yml');
const pkiDir = mkdtempSync(join(tmpdir(), 'hybridctl-client-pki-'));
let certs: (f: string) => string;
let env: Record<string, string>;

beforeAll(async () => {
  certs = await pki(pkiDir);
  const pair = await serverPair('billing.example', 'rsa', ['billing.example', '*.billing.example']);
  env = { DECK_BILLING_CERT: pair.cert, DECK_BILLING_KEY: pair.key };
}, 60_000);
afterAll(() => rmSync(pkiDir, { recursive: true, force: true }));

const freshCp = async () => (await startCp(certs, join(tempDir('hybridctl-client-'), 'cp'))).admin;
const cli = (admin: string, args: string[]) => runCli([...args, '--cp', admin], { env });

async function dumpOf(admin: string, extra: string[] = []): Promise<Row> {
  const r = await cli(admin, ['dump', ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return parse(r.stdout) as Row;
}

/** A stored basic-auth password is its hash, so it cannot round-trip (decK does not compare it either). */
const withoutPasswords = (f: Row): Row => JSON.parse(JSON.stringify(f, (k, v: unknown) => (k === 'password' ? '(hash)' : v))) as Row;

describe('dump, diff, apply', () => {
  it('apply to an empty CP, dump, apply that dump to another empty CP: the same file, and diff is empty', async () => {
    const a = await freshCp();
    const applied = await cli(a, ['apply', FIXTURE]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/^applied: \d+ created, 0 updated, 0 deleted\n$/);
    expect(applied.stderr).toMatch(/\[1\/\d+\] create certificate/);
    const first = await dumpOf(a);
    expect(first._format_version).toBe('3.0');
    const services = first.services as Row[];
    expect(services.map((s) => s.name)).toEqual(['billing', 'ledger']);
    // decK's nesting, ids kept, timestamps dropped, defaults as the CP holds them.
    expect((services[0]!.routes as Row[]).map((r) => r.name)).toEqual(['billing-admin', 'billing-invoices']);
    expect(services[0]).toMatchObject({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), retries: 5, write_timeout: 60000 });
    expect(JSON.stringify(first)).not.toMatch(/created_at|updated_at/);
    expect((services[0]!.routes as Row[])[0]).not.toHaveProperty('service');

    const dir = tempDir();
    writeFileSync(join(dir, 'dump.yaml'), stringify(first));
    const b = await freshCp();
    const second = await cli(b, ['apply', join(dir, 'dump.yaml')]);
    expect(second.code, second.stderr).toBe(0);
    expect(withoutPasswords(await dumpOf(b))).toEqual(withoutPasswords(first));

    const same = await cli(b, ['diff', join(dir, 'dump.yaml')]);
    expect([same.code, same.stdout]).toEqual([0, 'no differences\n']);
    const again = await cli(b, ['apply', join(dir, 'dump.yaml')]);
    expect([again.code, again.stdout, again.stderr]).toEqual([0, 'no differences\n', '']);
  });

  it('diff after a change: exit 1, each entity with its changed fields, creates and deletes in dependency order', async () => {
    const admin = await freshCp();
    expect((await cli(admin, ['apply', FIXTURE])).code).toBe(0);
    const file = await dumpOf(admin);
    const billing = (file.services as Row[])[0]!;
    billing.connect_timeout = 7000;
    billing.routes = (billing.routes as Row[]).filter((r) => r.name !== 'billing-admin');
    (file.services as Row[]).push({ name: 'audit', host: 'audit.internal', routes: [{ name: 'audit-events', paths: ['/audit'] }] });
    const path = join(tempDir(), 'edited.yaml');
    writeFileSync(path, stringify(file));

    const r = await cli(admin, ['diff', path, '-o', 'json']);
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as { changes: Row[]; summary: Row; select_tags: string[] };
    expect(out.select_tags).toEqual([]);
    expect(out.summary).toEqual({ create: 2, update: 1, delete: 2 });
    expect(out.changes.map((c) => `${String(c.op)} ${String(c.entity)}`)).toEqual([
      'update service "billing"', 'create service "audit"', 'create route "audit-events"',
      'delete plugin "acl" on route billing-admin', 'delete route "billing-admin"',
    ]);
    expect(out.changes[0]!.fields).toEqual({ connect_timeout: { current: 5000, target: 7000 } });

    const text = await cli(admin, ['diff', path]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('connect_timeout: 5000 → 7000');
    expect(text.stdout).toMatch(/summary: 2 to create, 1 to update, 2 to delete\n$/);

    const dry = await cli(admin, ['apply', path, '--dry-run']);
    expect(dry.code).toBe(0);
    expect((await cli(admin, ['diff', path])).code).toBe(1);
    expect((await cli(admin, ['apply', path])).code).toBe(0);
    expect((await cli(admin, ['diff', path])).code).toBe(0);
  });

  it('apply --select-tag touches only the tagged entities', async () => {
    const admin = await freshCp();
    expect((await post(`${admin}/services`, { name: 'other', host: 'other.internal', tags: ['platform'] })).status).toBe(201);
    expect((await cli(admin, ['apply', FIXTURE])).code).toBe(0);
    const path = join(tempDir(), 'empty.yaml');
    writeFileSync(path, '_format_version: "3.0"\n');
    const r = await cli(admin, ['apply', path, '--select-tag', 'billing-team', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { changes: Row[]; summary: Row };
    expect(out.changes.every((c) => c.op === 'delete')).toBe(true);
    expect(out.changes.length).toBeGreaterThan(10);
    const left = await dumpOf(admin);
    expect(left).toEqual({ _format_version: '3.0', services: [expect.objectContaining({ name: 'other', tags: ['platform'] })] });
    // The tags in the file and the flag must agree.
    const conflict = await cli(admin, ['diff', FIXTURE, '--select-tag', 'payments']);
    expect(conflict.code).toBe(2);
    expect(conflict.stderr).toContain('_info.select_tags (billing-team) differ from --select-tag (payments)');
  });

  it('a bad file: one line naming the entity and field, exit 2, nothing written', async () => {
    const admin = await freshCp();
    const dir = tempDir();
    const bad = parse(readFileSync(FIXTURE, 'utf8')) as Row;
    ((bad.services as Row[])[1]!).port = 'eighty';
    writeFileSync(join(dir, 'bad.yaml'), stringify(bad));
    const r = await cli(admin, ['apply', join(dir, 'bad.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^error: .*bad\.yaml: service "ledger": schema violation \(port: expected an integer\)$/);
    expect(r.stdout).toBe('');
    expect(await dumpOf(admin)).toEqual({ _format_version: '3.0' });

    writeFileSync(join(dir, 'shape.yaml'), '_format_version: "3.0"\nservices:\n  - name: a\n    routes: {name: r}\n');
    const shape = await cli(admin, ['diff', join(dir, 'shape.yaml')]);
    expect([shape.code, shape.stderr.split('\n')[0]]).toEqual([2, `error: ${join(dir, 'shape.yaml')}: services[0].routes must be a list, not object`]);

    writeFileSync(join(dir, 'old.yaml'), '_format_version: "1.1"\n');
    const old = await cli(admin, ['diff', join(dir, 'old.yaml')]);
    expect(old.code).toBe(2);
    expect(old.stderr).toContain('set _format_version: "3.0"');

    writeFileSync(join(dir, 'plugin.yaml'), '_format_version: "3.0"\nplugins:\n  - name: no-such-plugin\n');
    const plugin = await cli(admin, ['apply', join(dir, 'plugin.yaml')]);
    expect(plugin.code).toBe(2);
    expect(plugin.stderr).toContain('plugin "no-such-plugin": not installed on the control plane');
  });

  it('an unreachable CP is one line naming the address, exit 1', async () => {
    const port = await freePort();
    const r = await runCli(['dump', '--cp', `127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(`error: cannot reach the Admin API at http://127.0.0.1:${port}: ECONNREFUSED`);
    const env2 = await runCli(['dump'], { env: { HYBRIDCTL_CP: 'ftp://x' } });
    expect([env2.code, env2.stderr.split('\n')[0]]).toEqual([2, "error: invalid value 'ftp://x' for --cp; the Admin API is http:// or https://"]);
  });
});
