// A Kong 3.10 data plane with cluster_rpc and cluster_rpc_sync on (emulated from Kong's Lua in
// helpers/kong-rpc.ts) against the real `hybridctl cp run`: hello, full sync, notifications,
// status rows, errors, and the refusals Kong's CP makes.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.js';
import { pki, post, startCp, until, upstream } from '../helpers/cluster.js';
import { KongDp, type KongDpOptions } from '../helpers/kong-rpc.js';

type Delta = { type: string; entity: Record<string, unknown> | null; version: string; ws_id: string };
type Answer = { default: { deltas: Delta[] | Record<string, never>; full_sync: boolean; wipe?: boolean } };
const ZEROS = '0'.repeat(32);
const VERSION = /^v02_[0-9a-f]{28}$/;

async function cluster(extra: string[] = []) {
  const dir = tempDir();
  const p = await pki(join(dir, 'pki'));
  const cp = await startCp(p, join(dir, 'cp'), extra);
  const opts: KongDpOptions = { port: cp.cluster, certPem: readFileSync(p('dp.crt'), 'utf8'), keyPem: readFileSync(p('dp.key'), 'utf8'), caPem: readFileSync(p('ca.crt'), 'utf8'), servername: 'localhost' };
  return { cp, opts };
}

const cpHash = async (admin: string) => ((await (await fetch(`${admin}/status`)).json()) as { configuration_hash: string }).configuration_hash;
const rows = async (admin: string) => ((await (await fetch(`${admin}/clustering/data-planes`)).json()) as { data: Record<string, unknown>[] }).data;

describe('a Kong 3.10 DP on sync v2 against cp run', () => {
  it('gets a full sync in Kong\'s format, is notified of each change, and shows in /clustering/data-planes', async () => {
    const up = await upstream();
    try {
      const { cp, opts } = await cluster();
      expect((await post(`${cp.admin}/services`, { name: 'up', url: `http://127.0.0.1:${up.port}` })).status).toBe(201);
      expect((await post(`${cp.admin}/services/up/routes`, { name: 'r1', paths: ['/one'] })).status).toBe(201);
      const dp = await KongDp.connect({ ...opts, labels: ['region:eu'] });
      expect(dp.hello).toEqual({ jsonrpc: '2.0', id: 1, result: { rpc_capabilities: ['kong.sync.v2'], rpc_frame_encoding: 'x-snappy-framed' } });

      // Kong's DP asks with the empty hash when its LMDB has nothing.
      const first = await dp.call('kong.sync.v2.get_delta', [{ default: { version: ZEROS } }]);
      expect(first).toMatchObject({ jsonrpc: '2.0', id: 0 });
      const full = (first.result as Answer).default;
      expect(full.full_sync).toBe(true);
      expect(full.wipe).toBe(true);
      const deltas = full.deltas as Delta[];
      expect(deltas.map((d) => d.type)).toEqual(['workspaces', 'services', 'routes']);
      expect(deltas[0]!.entity).toMatchObject({ name: 'default' });
      const ws = deltas[0]!.entity!.id;
      const v1 = deltas[0]!.version;
      expect(v1).toMatch(VERSION);
      // What Kong's validate_deltas insists on: a workspace for every entity, one version, resolvable references.
      for (const d of deltas) expect(d).toMatchObject({ version: v1, ws_id: ws });
      const service = deltas[1]!.entity!;
      expect(service).toMatchObject({ name: 'up', ws_id: ws, client_certificate: null });
      expect(deltas[2]!.entity).toMatchObject({ name: 'r1', paths: ['/one'], ws_id: ws, service: { id: service.id } });

      // The status report (a get_delta notification) and the row Kong's Admin API shows.
      dp.notify('kong.sync.v2.get_delta', [{ default: { version: v1 } }]);
      const hash = await cpHash(cp.admin);
      const row = await until(async () => (await rows(cp.admin)).find((r) => r.config_hash === hash), 'the v2 DP row with the CP hash');
      expect(row).toMatchObject({
        id: '7f3c2a10-2b1e-4c8f-9d55-0a1b2c3d4e5f', hostname: 'kong-dp-1', ip: '127.0.0.1', version: '3.10.0',
        sync_status: 'normal', labels: { region: 'eu' }, rpc_capabilities: ['kong.sync.v2'],
      });
      expect(row.cert_details).toMatchObject({ expiry_timestamp: expect.any(Number) });

      // At the current version there is nothing to send.
      const same = (await dp.call('kong.sync.v2.get_delta', [{ default: { version: v1 } }])).result as Answer;
      expect(same.default.full_sync).toBe(false);
      expect(same.default.deltas).toEqual([]);

      // A change on the Admin API: notify_new_version with a greater version, then only the new route.
      expect((await post(`${cp.admin}/services/up/routes`, { name: 'r2', paths: ['/two'] })).status).toBe(201);
      const note = await dp.calls.find((m) => m.method === 'kong.sync.v2.notify_new_version');
      expect(note).toMatchObject({ jsonrpc: '2.0', id: expect.any(Number) });
      const v2 = (note.params as [{ default: { new_version: string } }])[0].default.new_version;
      expect(v2).toMatch(VERSION);
      expect(v2 > v1).toBe(true);
      const next = ((await dp.call('kong.sync.v2.get_delta', [{ default: { version: v1 } }])).result as Answer).default;
      expect(next.full_sync).toBe(false);
      expect(next.wipe).toBe(false);
      expect(next.deltas).toEqual([{ type: 'routes', entity: expect.objectContaining({ name: 'r2', paths: ['/two'], ws_id: ws, service: { id: service.id } }), version: v2, ws_id: ws }]);

      // A delete: what Kong's DP deletes by (type, pk, ws_id), with no entity.
      const r1 = deltas[2]!.entity!.id as string;
      expect((await fetch(`${cp.admin}/routes/r1`, { method: 'DELETE' })).status).toBe(204);
      const newVersion = (m: { method?: string; params?: unknown }) => (m.method === 'kong.sync.v2.notify_new_version' ? (m.params as [{ default: { new_version: string } }])[0].default.new_version : '');
      const v3 = newVersion(await dp.calls.find((m) => newVersion(m) > v2));
      const del = ((await dp.call('kong.sync.v2.get_delta', [{ default: { version: v2 } }])).result as Answer).default;
      expect(del.full_sync).toBe(false);
      expect(del.deltas).toEqual([{ type: 'routes', entity: null, pk: { id: r1 }, ws_id: ws, version: v3 }]);
      // From the first version: both changes, each row once.
      const both = ((await dp.call('kong.sync.v2.get_delta', [{ default: { version: v1 } }])).result as Answer).default;
      expect(both.full_sync).toBe(false);
      expect((both.deltas as Delta[]).map((d) => [d.type, d.entity?.name ?? null])).toEqual([['routes', 'r2'], ['routes', null]]);
      // Ahead of the CP, or a version this CP never handed out: a full sync.
      for (const from of ['v02_' + 'f'.repeat(28), 'v02_' + '0'.repeat(27) + '1']) {
        const ahead = ((await dp.call('kong.sync.v2.get_delta', [{ default: { version: from } }])).result as Answer).default;
        expect(ahead.full_sync).toBe(true);
        expect((ahead.deltas as Delta[]).filter((d) => d.type === 'routes').map((d) => d.entity!.name)).toEqual(['r2']);
      }

      // Errors in Kong's shapes.
      const noNs = await dp.call('kong.sync.v2.get_delta', [{}]);
      expect(noNs.error).toEqual({ code: -32000, message: 'default namespace does not exist inside params' });
      const unknown = await dp.call('kong.debug.log_level.v1.get_log_level', []);
      expect(unknown.error).toEqual({ code: -32601, message: 'Method not found' });

      // A validation error reported by the DP is logged by the CP with the version and the message.
      dp.notify('kong.sync.v2.notify_validation_error', [{ version: v3, error: { code: 21, name: 'sync deltas parse failure', message: 'declarative config is invalid: {routes={{paths="bad"}}}', flattened_errors: [{}] } }]);
      const logged = await cp.d.waitFor((l) => /could not apply the configuration/.test(l.msg), 10_000, 'validation error log');
      expect(logged).toMatchObject({ level: 'warn', sync_version: v3, id: '7f3c2a10-2b1e-4c8f-9d55-0a1b2c3d4e5f' });
      expect(String(logged.error)).toContain('declarative config is invalid');
      expect(await (await fetch(`${cp.admin}/metrics`)).text()).toMatch(/^hybridctl_sync_v2_validation_errors_total 1$/m);
      dp.close();
    } finally {
      up.server.close();
    }
  });

  it('refuses what Kong refuses: no kong.meta.v1 subprotocol, no snappy encoding; a DP older than the CP is left to v1', async () => {
    const { cp, opts } = await cluster();
    await expect(KongDp.connect({ ...opts, protocols: [] })).rejects.toThrow();
    await cp.d.waitFor((l) => /unknown RPC protocol/.test(l.msg), 10_000, 'subprotocol refusal');

    await expect(KongDp.connect({ ...opts, encodings: ['identity'] })).rejects.toThrow(/closed during the hello/);
    await cp.d.waitFor((l) => /unable to handshake with client: unknown encodings: \["identity"\]/.test(l.msg), 10_000, 'encoding refusal');

    const old = await KongDp.connect({ ...opts, version: '3.9.1', nodeId: '9b0e6c1d-1111-4222-8333-444455556666' });
    expect(old.hello).toMatchObject({ result: { rpc_capabilities: [] } });
    await cp.d.waitFor((l) => /disabling kong.sync.v2 because the data plane is older/.test(l.msg), 10_000, 'older DP');
    const refused = await old.call('kong.sync.v2.get_delta', [{ default: { version: ZEROS } }]);
    expect(refused.error).toMatchObject({ code: -32601 });
    old.close();
  });

  it('a CP whose kong.conf turns cluster_rpc_sync off answers the hello with no capability', async () => {
    const { opts } = await cluster(['--cluster-rpc', 'on', '--cluster-rpc-sync', 'off']);
    const dp = await KongDp.connect(opts);
    expect(dp.hello).toMatchObject({ result: { rpc_capabilities: [], rpc_frame_encoding: 'x-snappy-framed' } });
    dp.close();
  });
});
