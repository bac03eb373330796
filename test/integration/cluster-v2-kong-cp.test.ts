// The real `hybridctl dp run` with cluster_rpc and cluster_rpc_sync on, against a Kong 3.10 control
// plane's cluster listener emulated from Kong's Lua (helpers/kong-rpc.ts): hello, full syncs in
// Kong's format, notifications, a validation error reported back, the cached version after a
// restart, and v1 when the CP has no /v2/outlet or does not offer kong.sync.v2.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSharedPair, type Issued } from '../../src/pki/generate.js';
import { buildReconfigure } from '../../src/cluster/protocol/messages.js';
import { tempDir } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { startDaemon } from '../helpers/daemon.js';
import { until, upstream } from '../helpers/cluster.js';
import { KongCp } from '../helpers/kong-rpc.js';

const WS = 'a3d4f1b2-0c9e-4e8d-b7a6-5f4e3d2c1b0a';
const SVC = '0855b320-0dd2-547d-891d-601e9b38647f';
const ver = (n: number) => `v02_${n.toString(16).padStart(28, '0')}`;

/** Entities as Kong's export_config_sync emits them: every field, nulls kept, ws_id, foreign keys as { id }. */
function kongFullSync(version: string, port: number, routes: { id: string; name: string; path: string }[], plugins: Record<string, unknown>[] = []) {
  const at = 1_750_000_000;
  const d = (type: string, entity: Record<string, unknown>) => ({ type, entity: { ...entity, ws_id: WS }, version, ws_id: WS });
  return {
    default: {
      full_sync: true,
      deltas: [
        { type: 'workspaces', entity: { id: WS, name: 'default', comment: null, config: {}, meta: {}, created_at: at, updated_at: at }, version, ws_id: WS },
        d('services', {
          id: SVC, name: 'up', protocol: 'http', host: '127.0.0.1', port, path: null, retries: 5, connect_timeout: 60000, write_timeout: 60000,
          read_timeout: 60000, tags: null, client_certificate: null, tls_verify: null, tls_verify_depth: null, ca_certificates: null, enabled: true, created_at: at, updated_at: at,
        }),
        ...routes.map((r) => d('routes', {
          id: r.id, name: r.name, protocols: ['http', 'https'], methods: null, hosts: null, paths: [r.path], headers: null, https_redirect_status_code: 426,
          regex_priority: 0, strip_path: true, path_handling: 'v0', preserve_host: false, request_buffering: true, response_buffering: true, snis: null,
          sources: null, destinations: null, tags: null, service: { id: SVC }, created_at: at, updated_at: at,
        })),
        ...plugins.map((p) => d('plugins', p)),
      ],
    },
  };
}

async function sharedPair(dir: string): Promise<Issued> {
  const pair = await generateSharedPair({ now: new Date(Date.now() - 60_000) });
  writeFileSync(join(dir, 'cluster.crt'), pair.certPem);
  writeFileSync(join(dir, 'cluster.key'), pair.keyPem, { mode: 0o600 });
  return pair;
}

async function dpRun(dir: string, cpPort: number) {
  const proxy = await freePort();
  const d = startDaemon(['dp', 'run', '--prefix', join(dir, 'dp'), '--cp-address', `127.0.0.1:${cpPort}`, '--cluster-mtls', 'shared',
    '--cluster-cert', join(dir, 'cluster.crt'), '--cluster-cert-key', join(dir, 'cluster.key'), '--proxy-listen', `127.0.0.1:${proxy}`,
    '--status-listen', 'off', '--nginx-worker-processes', '1', '--cluster-rpc', 'on', '--cluster-rpc-sync', 'on', '--cluster-dp-labels', 'region:test']);
  await d.waitFor((l) => l.msg === 'data plane started', 20_000, 'data plane start');
  return { d, proxy: `http://127.0.0.1:${proxy}` };
}

const statusOf = async (url: string) => (await fetch(url)).status;

describe('dp run against a Kong 3.10 CP', () => {
  it('syncs over v2: full syncs applied, notifications followed, a refused config reported, the version kept across a restart', async () => {
    const dir = tempDir();
    const pair = await sharedPair(dir);
    const up = await upstream();
    const kong = await KongCp.start({ certPem: pair.certPem, keyPem: pair.keyPem });
    try {
      kong.getDelta = () => kongFullSync(ver(1), up.port, [{ id: 'e1f4f0a4-7b8c-4b55-9a4d-3c1f0b2a9d10', name: 'r1', path: '/kong' }]);
      const dp = await dpRun(dir, kong.port);
      const hello = await kong.hellos.find(() => true);
      expect(hello).toMatchObject({ jsonrpc: '2.0', method: 'kong.meta.v1.hello', id: 1 });
      const info = (hello.params as Record<string, unknown>[])[0]!;
      expect(info).toMatchObject({ rpc_capabilities: ['kong.sync.v2'], rpc_frame_encodings: ['x-snappy-framed'], kong_version: '3.10.0', kong_conf: { cluster_dp_labels: ['region:test'] } });
      expect(info.kong_node_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof info.kong_hostname).toBe('string');
      // A fresh DP asks from the empty hash, with Kong's first request id.
      const first = await kong.received.find((m) => m.method === 'kong.sync.v2.get_delta');
      expect(first).toMatchObject({ id: 0, params: [{ default: { version: '0'.repeat(32) } }] });
      await until(async () => (await statusOf(`${dp.proxy}/kong/x`)) === 200, 'route from the Kong CP served');
      await dp.d.waitFor((l) => l.msg === 'connected to the control plane' && l.sync === 'v2');
      // The status report: a get_delta notification with the version now applied.
      await kong.received.find((m) => m.method === 'kong.sync.v2.get_delta' && m.id === undefined && JSON.stringify(m.params).includes(ver(1)));

      // notify_new_version: the DP pulls from its own version and applies the next full sync.
      kong.getDelta = () => kongFullSync(ver(2), up.port, [{ id: '5c0d4b7e-1a2b-4c3d-8e9f-0a1b2c3d4e5f', name: 'r2', path: '/kong2' }]);
      kong.notifyNewVersion(ver(2));
      await kong.received.find((m) => m.method === 'kong.sync.v2.get_delta' && m.id !== undefined && JSON.stringify(m.params).includes(ver(1)));
      await until(async () => (await statusOf(`${dp.proxy}/kong2/x`)) === 200, 'the second config served');
      expect(await statusOf(`${dp.proxy}/kong/x`)).toBe(404);

      // A config this DP cannot enforce: refused, reported once with its version, the previous one kept.
      const oauth2 = { id: '2c9b2b63-65a3-4cc3-8c53-6b2d1d7b3a21', name: 'oauth2', route: null, service: null, consumer: null, enabled: true, protocols: ['http'], config: {}, instance_name: null, tags: null };
      kong.getDelta = () => kongFullSync(ver(3), up.port, [{ id: '5c0d4b7e-1a2b-4c3d-8e9f-0a1b2c3d4e5f', name: 'r2', path: '/kong2' }], [oauth2]);
      kong.notifyNewVersion(ver(3));
      const report = await kong.received.find((m) => m.method === 'kong.sync.v2.notify_validation_error');
      expect(report.id).toBeUndefined();
      expect(report.params).toMatchObject([{ version: ver(3), error: { code: 21, name: 'sync deltas parse failure' } }]);
      expect(JSON.stringify(report.params)).toContain('oauth2');
      await new Promise((r) => setTimeout(r, 1000));
      expect(kong.received.items.filter((m) => m.method === 'kong.sync.v2.notify_validation_error')).toHaveLength(1);
      expect(await statusOf(`${dp.proxy}/kong2/x`)).toBe(200);

      // Restarted, the DP asks from the cached version; Kong answers "nothing new" ({} as cjson writes it).
      expect(await dp.d.stop()).toBe(0);
      kong.getDelta = () => ({ default: { deltas: {}, full_sync: false } });
      const again = await dpRun(dir, kong.port);
      await kong.received.find((m) => m.method === 'kong.sync.v2.get_delta' && m.id !== undefined && JSON.stringify(m.params).includes(ver(2)));
      await again.d.waitFor((l) => l.msg === 'connected to the control plane' && l.sync === 'v2');
      expect(await statusOf(`${again.proxy}/kong2/x`)).toBe(200);
      expect(again.d.lines.some((l) => l.msg === 'configuration applied')).toBe(false);
    } finally {
      await kong.close();
      up.server.close();
    }
  });

  it.each([
    ['has no /v2/outlet (cluster_rpc = off)', { noV2: true }, /the control plane answered HTTP 404 on \/v2\/outlet; using hybrid protocol v1/],
    ['does not offer kong.sync.v2 (cluster_rpc_sync = off)', { capabilities: [] }, /the control plane does not offer kong.sync.v2; using hybrid protocol v1/],
  ] as [string, { noV2?: boolean; capabilities?: string[] }, RegExp][])('uses v1 when the Kong CP %s', async (_name, o, line) => {
    const dir = tempDir();
    const pair = await sharedPair(dir);
    const up = await upstream();
    const table = { _format_version: '3.0', services: [{ id: SVC, name: 'up', protocol: 'http', host: '127.0.0.1', port: up.port, path: null, enabled: true }], routes: [{ id: 'e1f4f0a4-7b8c-4b55-9a4d-3c1f0b2a9d10', name: 'r1', paths: ['/v1'], protocols: ['http'], service: SVC, strip_path: true }] };
    const kong = await KongCp.start({ certPem: pair.certPem, keyPem: pair.keyPem, ...o, v1Payload: () => buildReconfigure(table).payload });
    try {
      const dp = await dpRun(dir, kong.port);
      await dp.d.waitFor((l) => line.test(l.msg), 15_000, 'fallback line');
      if (o.capabilities) {
        expect(dp.d.lines.some((l) => l.msg === 'rpc sync is disabled in CP.')).toBe(true);
        expect(dp.d.lines.some((l) => l.msg === 'sync v1 is enabled due to rpc sync can not work.')).toBe(true);
      }
      expect(await kong.v1BasicInfo.find(() => true)).toMatchObject({ type: 'basic_info', labels: { region: 'test' } });
      await until(async () => (await statusOf(`${dp.proxy}/v1/x`)) === 200, 'route over v1 served');
      await dp.d.waitFor((l) => l.msg === 'connected to the control plane' && l.sync === 'v1');
    } finally {
      await kong.close();
      up.server.close();
    }
  });
});
