// get, delete and inspect dataplanes against real `cp run` and `dp run` processes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli, tempDir } from '../helpers/cli.js';
import { pki, post, startCp, startDp, until } from '../helpers/cluster.js';

type Row = Record<string, unknown>;
const pkiDir = mkdtempSync(join(tmpdir(), 'hybridctl-get-pki-'));
let certs: (f: string) => string;

beforeAll(async () => {
  certs = await pki(pkiDir);
}, 60_000);
afterAll(() => rmSync(pkiDir, { recursive: true, force: true }));

describe('get and delete', () => {
  it('lists as a table, shows one by name as yaml or json, filters by tag, deletes by name', async () => {
    const { admin } = await startCp(certs, join(tempDir(), 'cp'));
    expect((await post(`${admin}/services`, { name: 'billing', url: 'http://billing.internal:8080/api', tags: ['team-a'] })).status).toBe(201);
    expect((await post(`${admin}/services`, { name: 'ledger', host: 'ledger.internal' })).status).toBe(201);
    expect((await post(`${admin}/services/billing/routes`, { name: 'invoices', paths: ['/invoices'] })).status).toBe(201);
    const cli = (args: string[]) => runCli(args, { env: { HYBRIDCTL_CP: admin } });

    const table = await cli(['get', 'services']);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ {3}ID\s+NAME\s+PROTOCOL\s+HOST\s+PORT\s+PATH\s+ENABLED\s+TAGS$/);
    // The CP lists by id, so the order of the two rows is not the names' order.
    const rows = lines.slice(1).map((l) => l.trim().split(/\s+/).slice(1));
    expect(rows).toHaveLength(2);
    expect(rows).toEqual(expect.arrayContaining([
      ['billing', 'http', 'billing.internal', '8080', '/api', 'true', 'team-a'],
      ['ledger', 'http', 'ledger.internal', '80', '-', 'true', '-'],
    ]));

    const one = await cli(['get', 'service', 'billing', '-o', 'yaml']);
    expect(one.code).toBe(0);
    expect(parse(one.stdout)).toMatchObject({ name: 'billing', host: 'billing.internal', port: 8080, path: '/api' });

    const tagged = await cli(['get', 'services', '--tag', 'team-a', '-o', 'json']);
    expect((JSON.parse(tagged.stdout) as Row[]).map((s) => s.name)).toEqual(['billing']);

    const routes = await cli(['get', 'routes', '-o', 'json']);
    expect((JSON.parse(routes.stdout) as Row[]).map((r) => r.name)).toEqual(['invoices']);

    const missing = await cli(['get', 'service', 'nope']);
    expect([missing.code, missing.stderr.split('\n')[0]]).toEqual([1, `error: services 'nope' not found on the control plane at ${admin}`]);
    const unknown = await cli(['get', 'gizmos']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown entity 'gizmos'");

    const del = await cli(['delete', 'route', 'invoices']);
    expect([del.code, del.stdout]).toEqual([0, expect.stringMatching(/^deleted routes invoices \([0-9a-f-]{36}\)\n$/)]);
    expect((await fetch(`${admin}/routes/invoices`)).status).toBe(404);
    const again = await cli(['delete', 'route', 'invoices']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('nothing deleted');
  });
});

describe('targets and credentials, under their upstream and consumer', () => {
  it('lists and shows them under the parent, refuses a missing or unknown parent, deletes within the parent only', async () => {
    const { admin } = await startCp(certs, join(tempDir(), 'cp'));
    for (const u of ['pool', 'other']) expect((await post(`${admin}/upstreams`, { name: u })).status).toBe(201);
    expect((await post(`${admin}/upstreams/pool/targets`, { target: '10.0.0.1:80', weight: 50 })).status).toBe(201);
    expect((await post(`${admin}/upstreams/pool/targets`, { target: '10.0.0.2:80' })).status).toBe(201);
    const elsewhere = (await (await post(`${admin}/upstreams/other/targets`, { target: '10.0.0.1:80' })).json()) as Row;
    const cli = (args: string[]) => runCli([...args, '--cp', admin]);

    const table = await cli(['get', 'targets', '--upstream', 'pool']);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ {3}ID\s+TARGET\s+WEIGHT\s+TAGS$/);
    expect(lines.slice(1).map((l) => l.trim().split(/\s+/).slice(1)).sort()).toEqual([['10.0.0.1:80', '50', '-'], ['10.0.0.2:80', '100', '-']]);
    const wide = await cli(['get', 'targets', '--upstream', 'pool', '-o', 'wide']);
    expect(wide.stdout.split('\n')[0]).toMatch(/TAGS\s+UPSTREAM\s+CREATED_AT$/);
    expect(wide.stdout).toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);

    // The same host:port in two upstreams: each is found under its own.
    const theOther = await cli(['get', 'target', '10.0.0.1:80', '--upstream', 'other', '-o', 'json']);
    expect((JSON.parse(theOther.stdout) as Row).id).toBe(elsewhere.id);

    const noParent = await cli(['get', 'targets']);
    expect([noParent.code, noParent.stderr.split('\n')[0]]).toEqual([2, 'error: targets belong to an upstream; pass --upstream NAME|ID']);
    const unknown = await cli(['get', 'targets', '--upstream', 'nope']);
    expect([unknown.code, unknown.stderr.split('\n')[0]]).toEqual([1, `error: upstream 'nope' not found on the control plane at ${admin}`]);
    const wrong = await cli(['get', 'routes', '--upstream', 'pool']);
    expect([wrong.code, wrong.stderr.split('\n')[0]]).toEqual([2, 'error: --upstream applies to targets; routes are not under an upstream']);
    const wrongParent = await cli(['get', 'key-auths', '--upstream', 'pool']);
    expect(wrongParent.code).toBe(2);
    expect(wrongParent.stderr).toContain('--upstream applies to targets');
    const missing = await cli(['get', 'target', '10.0.0.9:80', '--upstream', 'pool']);
    expect([missing.code, missing.stderr.split('\n')[0]]).toEqual([1, `error: targets '10.0.0.9:80' under upstream 'pool' not found on the control plane at ${admin}`]);

    const del = await cli(['delete', 'target', '10.0.0.1:80', '--upstream', 'pool']);
    expect([del.code, del.stdout]).toEqual([0, expect.stringMatching(/^deleted targets 10\.0\.0\.1:80 \([0-9a-f-]{36}\) from upstream pool\n$/)]);
    expect(((await (await fetch(`${admin}/upstreams/pool/targets`)).json()) as { data: Row[] }).data.map((t) => t.target)).toEqual(['10.0.0.2:80']);
    expect((await fetch(`${admin}/upstreams/other/targets/${String(elsewhere.id)}`)).status).toBe(200);
    const gone = await cli(['delete', 'target', '10.0.0.1:80', '--upstream', 'pool']);
    expect([gone.code, gone.stderr]).toEqual([1, expect.stringContaining('nothing deleted')]);
  }, 60_000);

  it('credentials: secrets never in a table, redacted in json and yaml unless --show-secrets', async () => {
    const { admin } = await startCp(certs, join(tempDir(), 'cp'));
    expect((await post(`${admin}/consumers`, { username: 'alice' })).status).toBe(201);
    const secrets = { key: 'alice-key-auth-secret', password: 'alice-basic-password', hmac: 'alice-hmac-secret-value', jwt: 'alice-jwt-secret-value' };
    const keyAuth = (await (await post(`${admin}/consumers/alice/key-auth`, { key: secrets.key })).json()) as Row;
    expect((await post(`${admin}/consumers/alice/basic-auth`, { username: 'alice-basic', password: secrets.password })).status).toBe(201);
    expect((await post(`${admin}/consumers/alice/hmac-auth`, { username: 'alice-hmac', secret: secrets.hmac })).status).toBe(201);
    expect((await post(`${admin}/consumers/alice/jwt`, { key: 'alice-issuer', secret: secrets.jwt })).status).toBe(201);
    expect((await post(`${admin}/consumers/alice/acls`, { group: 'billing-admins' })).status).toBe(201);
    const storedPassword = (((await (await fetch(`${admin}/consumers/alice/basic-auth`)).json()) as { data: Row[] }).data[0]!.password) as string;
    const cli = (args: string[]) => runCli([...args, '--cp', admin, '--consumer', 'alice']);
    const leaks = (out: string) => [...Object.values(secrets), storedPassword].filter((v) => out.includes(v));

    const shown: Record<string, RegExp> = {
      'key-auths': /^ {3}ID\s+KEY\s+TTL\s+TAGS\n\s+\S+\s+\(redacted\)\s+-\s+-$/,
      'basic-auths': /^ {3}ID\s+USERNAME\s+PASSWORD\s+TAGS\n\s+\S+\s+alice-basic\s+\(redacted\)\s+-$/,
      'hmac-auths': /^ {3}ID\s+USERNAME\s+SECRET\s+TAGS\n\s+\S+\s+alice-hmac\s+\(redacted\)\s+-$/,
      jwts: /^ {3}ID\s+KEY\s+ALGORITHM\s+SECRET\s+TAGS\n\s+\S+\s+alice-issuer\s+HS256\s+\(redacted\)\s+-$/,
      acls: /^ {3}ID\s+GROUP\s+TAGS\n\s+\S+\s+billing-admins\s+-$/,
    };
    for (const [kind, table] of Object.entries(shown)) {
      const t = await cli(['get', kind]);
      expect(t.code, t.stderr).toBe(0);
      expect(t.stdout.trimEnd(), kind).toMatch(table);
      for (const o of ['wide', 'json', 'yaml']) {
        const r = await cli(['get', kind, '-o', o]);
        expect(r.code, r.stderr).toBe(0);
        expect(leaks(r.stdout), `${kind} -o ${o}`).toEqual([]);
      }
    }
    const one = await cli(['get', 'key-auth', String(keyAuth.id), '-o', 'yaml']);
    expect(parse(one.stdout)).toMatchObject({ id: keyAuth.id, key: '(redacted)', consumer: { id: expect.any(String) } });
    const revealed = await cli(['get', 'key-auths', '-o', 'json', '--show-secrets']);
    expect((JSON.parse(revealed.stdout) as Row[])[0]!.key).toBe(secrets.key);
    const refused = await cli(['get', 'key-auths', '--show-secrets']);
    expect([refused.code, refused.stderr.split('\n')[0]]).toEqual([2, 'error: --show-secrets works with -o json or -o yaml; tables never show secrets']);
    const noConsumer = await runCli(['get', 'acls', '--cp', admin]);
    expect([noConsumer.code, noConsumer.stderr.split('\n')[0]]).toEqual([2, 'error: acls belong to a consumer; pass --consumer NAME|ID']);

    const byId = await cli(['delete', 'key-auth', String(keyAuth.id)]);
    expect([byId.code, byId.stdout]).toEqual([0, `deleted key-auths (${String(keyAuth.id)}) from consumer alice\n`]);
    const acl = await cli(['delete', 'acl', 'billing-admins']);
    expect([acl.code, acl.stdout]).toEqual([0, expect.stringMatching(/^deleted acls billing-admins \([0-9a-f-]{36}\) from consumer alice\n$/)]);
    expect(((await (await fetch(`${admin}/consumers/alice/key-auth`)).json()) as { data: Row[] }).data).toEqual([]);
    expect((await fetch(`${admin}/consumers/alice/basic-auth`).then((r) => r.json()) as { data: Row[] }).data).toHaveLength(1);
  }, 90_000);
});

describe('inspect dataplanes', () => {
  it('in sync with the CP hash (exit 0); behind once the CP changes and the DP is gone (exit 1)', async () => {
    const dir = tempDir();
    const cp = await startCp(certs, join(dir, 'cp'));
    const cli = (args: string[]) => runCli([...args, '--cp', cp.admin]);
    const none = await cli(['inspect', 'dataplanes', '-o', 'json']);
    expect(none.code, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout)).toMatchObject({ data_planes: [], ok: true });

    const dp = await startDp(certs, join(dir, 'dp'), cp.cluster);
    const report = await until(async () => {
      const r = await cli(['inspect', 'dataplanes', '-o', 'json']);
      const j = JSON.parse(r.stdout) as { data_planes: Row[]; control_plane_hash: string; ok: boolean };
      return r.code === 0 && j.data_planes.length === 1 && j.ok ? j : undefined;
    }, 'the DP reported in sync');
    // An empty configuration: the DP reports Kong's empty hash, which counts as in sync.
    expect(report.data_planes[0]).toMatchObject({ in_sync: true, sync_status: 'normal', config_hash: '0'.repeat(32), version: expect.stringMatching(/^\d+\.\d+/) });

    expect((await post(`${cp.admin}/services`, { name: 'first', host: 'first.internal' })).status).toBe(201);
    const synced = await until(async () => {
      const r = await cli(['inspect', 'dataplanes', '-o', 'json']);
      const j = JSON.parse(r.stdout) as { data_planes: Row[]; control_plane_hash: string; ok: boolean };
      return r.code === 0 && j.data_planes[0]?.config_hash === j.control_plane_hash ? j : undefined;
    }, 'the DP reported the new hash');
    expect(synced.data_planes[0]).toMatchObject({ in_sync: true });

    const text = await cli(['inspect', 'dataplanes']);
    expect(text.stdout).toMatch(/in sync\s+\d+s ago/);

    await dp.d.stop();
    expect((await post(`${cp.admin}/services`, { name: 'late', host: 'late.internal' })).status).toBe(201);
    const behind = await until(async () => {
      const r = await cli(['inspect', 'dataplanes', '-o', 'json']);
      return r.code === 1 ? r : undefined;
    }, 'the stopped DP reported behind');
    const j = JSON.parse(behind.stdout) as { data_planes: Row[]; ok: boolean };
    expect(j.ok).toBe(false);
    expect(j.data_planes[0]).toMatchObject({ in_sync: false });
    expect((await cli(['inspect', 'dataplanes'])).stdout).toContain('behind');
  });
});
