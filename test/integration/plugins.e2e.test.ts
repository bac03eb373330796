// Plugins through real CP and DP processes: every way a configuration reaches a data plane (Admin
// API, /config, the DP's cache, its declarative_config, a CP it does not fully understand) ends
// with the plugin enforced or the configuration refused, never a protected route served open.
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { startDaemon } from '../helpers/daemon.js';
import { pki, post, startCp, startDp, until } from '../helpers/cluster.js';
import { generateSharedPair } from '../../src/pki/generate.js';
import { startCp as startTestCp } from './cluster-cp-dp.js';

async function echo(): Promise<{ port: number; close(): void }> {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ url: req.url, headers: req.headers }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

const status = async (url: string, headers: Record<string, string> = {}) => (await fetch(url, { headers })).status;
const json = async (url: string) => (await fetch(url)).json() as Promise<any>;

/** kong.yml with one protected route, the consumer and its key. */
const kongYml = (upstreamPort: number, plugin: Record<string, unknown> = { name: 'key-auth' }) => ({
  _format_version: '3.0',
  services: [{ name: 'up', url: `http://127.0.0.1:${upstreamPort}`, routes: [{ name: 'r1', paths: ['/api'], plugins: [plugin] }] }],
  consumers: [{ username: 'bob', keyauth_credentials: [{ key: 'secret-key' }] }],
});

describe('plugins across real CP and DP processes', () => {
  it('Admin API: key-auth configured on the CP is enforced by the DP; what the DP cannot enforce is refused', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const up = await echo();
    try {
      const cp = await startCp(p, join(dir, 'cp'));
      const dp = await startDp(p, join(dir, 'dp'), cp.cluster);
      expect((await post(`${cp.admin}/services`, { name: 'up', url: `http://127.0.0.1:${up.port}` })).status).toBe(201);
      expect((await post(`${cp.admin}/services/up/routes`, { name: 'r1', paths: ['/api'] })).status).toBe(201);
      expect((await post(`${cp.admin}/consumers`, { username: 'bob' })).status).toBe(201);
      const cred = await post(`${cp.admin}/consumers/bob/key-auth`, { key: 'secret-key' });
      expect(cred.status).toBe(201);
      const plugin = await post(`${cp.admin}/routes/r1/plugins`, { name: 'key-auth' });
      expect(plugin.status).toBe(201);
      expect((await plugin.json()).config).toMatchObject({ key_names: ['apikey'], hide_credentials: false, key_in_body: false });

      const denied = await until(async () => {
        const r = await fetch(`${dp.proxy}/api/x`);
        return r.status === 401 ? r : undefined;
      }, 'key-auth enforced by the DP');
      expect(denied.headers.get('www-authenticate')).toBe('Key');
      expect((await denied.json()).message).toBe('No API key found in request');
      const ok = await fetch(`${dp.proxy}/api/x`, { headers: { apikey: 'secret-key' } });
      expect(ok.status).toBe(200);
      expect((await ok.json()).headers['x-consumer-username']).toBe('bob');

      const unknown = await post(`${cp.admin}/routes/r1/plugins`, { name: 'does-not-exist' });
      expect(unknown.status).toBe(400);
      expect(await unknown.json()).toEqual({
        code: 2, name: 'schema violation',
        message: "schema violation (name: plugin 'does-not-exist' not enabled; add it to the 'plugins' configuration property)",
        fields: { name: "plugin 'does-not-exist' not enabled; add it to the 'plugins' configuration property" },
      });
      const cluster = await post(`${cp.admin}/plugins`, { name: 'rate-limiting', config: { minute: 5, policy: 'cluster' } });
      expect(cluster.status).toBe(400);
      expect((await cluster.json()).fields).toEqual({ config: { policy: 'expected one of: local, redis' } });
      const consumerScoped = await post(`${cp.admin}/consumers/bob/plugins`, { name: 'key-auth' });
      expect((await consumerScoped.json()).fields).toEqual({ consumer: 'value must be null' });

      const root = await json(`${cp.admin}/`);
      expect(root.plugins.available_on_server['key-auth']).toEqual({ version: '3.10.0', priority: 1250 });
      expect(root.plugins.enabled_in_cluster).toEqual(['key-auth']);
      expect((await json(`${cp.admin}/plugins/enabled`)).enabled_plugins).toContain('rate-limiting');
      const schema = await json(`${cp.admin}/schemas/plugins/key-auth`);
      expect(schema.fields.find((f: Record<string, unknown>) => f.config).config.fields[0]).toEqual({ key_names: { type: 'array', required: true, default: ['apikey'], elements: { type: 'string' } } });
      expect(await json(`${cp.admin}/key-auths`)).toMatchObject({ data: [{ key: 'secret-key' }] });

      const rows = await json(`${cp.admin}/clustering/data-planes`);
      expect(rows.data[0].sync_status).toBe('normal');
      await dp.d.stop();
      await cp.d.stop();
    } finally {
      up.close();
    }
  });

  it('/config: a declarative file with plugins is enforced; one naming a plugin the CP does not run is refused whole', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const up = await echo();
    try {
      const cp = await startCp(p, join(dir, 'cp'));
      const dp = await startDp(p, join(dir, 'dp'), cp.cluster);
      const send = (doc: unknown) => fetch(`${cp.admin}/config`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: stringify(doc) });
      expect((await send(kongYml(up.port))).status).toBe(201);
      await until(async () => (await status(`${dp.proxy}/api`)) === 401, 'key-auth from /config enforced');
      expect(await status(`${dp.proxy}/api`, { apikey: 'secret-key' })).toBe(200);

      const refused = await send(kongYml(up.port, { name: 'oauth2' }));
      expect(refused.status).toBe(400);
      expect(JSON.stringify(await refused.json())).toContain("plugin 'oauth2' not enabled; add it to the 'plugins' configuration property");
      // The previous configuration still stands, protection included.
      expect(await status(`${dp.proxy}/api`)).toBe(401);
      await dp.d.stop();
      await cp.d.stop();
    } finally {
      up.close();
    }
  });

  it('a DP without a configured plugin gets no configuration (plugin_set_incompatible) until the plugin is gone', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const up = await echo();
    try {
      const cp = await startCp(p, join(dir, 'cp'));
      const send = (doc: unknown) => fetch(`${cp.admin}/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) });
      expect((await send(kongYml(up.port))).status).toBe(201);
      const dp = await startDp(p, join(dir, 'dp'), cp.cluster, ['--plugins', 'rate-limiting']);
      const line = await cp.d.waitFor((l) => /unable to send updated configuration to data plane: configured key-auth plugin 3\.10\.0 is missing from data plane/.test(l.msg), 20_000, 'CP refusal line');
      expect(line.sync_status).toBe('plugin_set_incompatible');
      const row = await until(async () => (await json(`${cp.admin}/clustering/data-planes`)).data.find((r: { sync_status: string }) => r.sync_status === 'plugin_set_incompatible'), 'incompatible row');
      expect(row.config_hash).toBe('00000000000000000000000000000000');
      // Nothing served rather than the route without its key-auth.
      expect(await status(`${dp.proxy}/api`)).toBe(404);

      const open = kongYml(up.port, { name: 'rate-limiting', config: { minute: 100 } });
      expect((await send(open)).status).toBe(201);
      await until(async () => (await status(`${dp.proxy}/api`)) === 200, 'config without key-auth reaches the DP');
      await until(async () => (await json(`${cp.admin}/clustering/data-planes`)).data[0]?.sync_status === 'normal', 'status back to normal');
      await dp.d.stop();
      await cp.d.stop();
    } finally {
      up.close();
    }
  });

  it("the DP's cache and declarative_config: served only when this DP can enforce every plugin in them", async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const up = await echo();
    try {
      const cp = await startCp(p, join(dir, 'cp'));
      expect((await fetch(`${cp.admin}/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(kongYml(up.port)) })).status).toBe(201);
      const dp = await startDp(p, join(dir, 'dp'), cp.cluster);
      await until(async () => (await status(`${dp.proxy}/api`)) === 401, 'synced and cached');
      await dp.d.stop();
      await cp.d.stop();

      // Same prefix, CP gone, key-auth no longer enabled here: the cache is not served.
      const again = await startDp(p, join(dir, 'dp'), cp.cluster, ['--plugins', 'off']);
      const refused = await again.d.waitFor((l) => l.msg === 'not serving the cached configuration: this data plane cannot enforce it');
      expect(String(refused.error)).toContain('key-auth plugin is in use but not enabled');
      expect(await status(`${again.proxy}/api`)).toBe(404);
      await again.d.stop();

      const file = join(dir, 'kong.yml');
      writeFileSync(file, stringify(kongYml(up.port)));
      const bad = startDaemon(['dp', 'run', '--prefix', join(dir, 'dp2'), '--cp-address', `localhost:${await freePort()}`, '--cluster-mtls', 'pki',
        '--ca-cert-file', p('ca.crt'), '--cert-file', p('dp.crt'), '--key-file', p('dp.key'), '--proxy-listen', `127.0.0.1:${await freePort()}`,
        '--declarative-config', file, '--plugins', 'rate-limiting']);
      expect(await bad.exited).toBe(2);
      expect(bad.stderr()).toContain('key-auth plugin is in use but not enabled');

      const good = await startDp(p, join(dir, 'dp3'), await freePort(), ['--declarative-config', file]);
      expect(await status(`${good.proxy}/api`)).toBe(401);
      expect(await status(`${good.proxy}/api`, { apikey: 'secret-key' })).toBe(200);
      await good.d.stop();
    } finally {
      up.close();
    }
  });

  it('a CP sending a plugin this DP does not have (a newer CP) is refused and the previous configuration keeps serving', async () => {
    const dir = tempDir();
    const pair = await generateSharedPair({ now: new Date(Date.now() - 60_000) });
    writeFileSync(join(dir, 'cluster.crt'), pair.certPem);
    writeFileSync(join(dir, 'cluster.key'), pair.keyPem, { mode: 0o600 });
    const up = await echo();
    const cp = await startTestCp({ mode: 'shared', certPem: pair.certPem, keyPem: pair.keyPem });
    try {
      const svc = { id: '0855b320-0dd2-547d-891d-601e9b38647f', name: 'up', protocol: 'http', host: '127.0.0.1', port: up.port, path: null, enabled: true };
      const route = { id: '1b8a1a52-54f2-4bb2-9b42-5a1c0c6a2f10', name: 'r1', paths: ['/api'], protocols: ['http'], service: svc.id, strip_path: true };
      const plugin = (name: string, config: Record<string, unknown>) => ({ id: '2c9b2b63-65a3-4cc3-8c53-6b2d1d7b3a21', name, route: route.id, service: null, consumer: null, enabled: true, protocols: ['http'], config });
      cp.setConfig({ _format_version: '3.0', services: [svc], routes: [route], plugins: [plugin('key-auth', {})] });
      const proxy = await freePort();
      const dp = startDaemon(['dp', 'run', '--prefix', join(dir, 'dp'), '--cp-address', `127.0.0.1:${cp.port}`, '--cluster-mtls', 'shared',
        '--cluster-cert', join(dir, 'cluster.crt'), '--cluster-cert-key', join(dir, 'cluster.key'), '--proxy-listen', `127.0.0.1:${proxy}`, '--nginx-worker-processes', '1']);
      await dp.waitFor((l) => l.msg === 'configuration applied');
      expect(await status(`http://127.0.0.1:${proxy}/api`)).toBe(401);

      for (const [name, config, reason] of [
        ['oauth2', {}, 'oauth2 plugin is in use but not enabled'],
        ['key-auth', { key_names: ['apikey'], key_in_cookie: true }, 'config.key_in_cookie: unknown field'],
      ] as const) {
        cp.setConfig({ _format_version: '3.0', services: [svc], routes: [route], plugins: [plugin(name, config)] });
        cp.server.push();
        const line = await dp.waitFor((l) => l.msg === 'rejected a configuration from the control plane; the previous one keeps serving' && String(l.error).includes(reason));
        expect(line.level).toBe('error');
        expect(await status(`http://127.0.0.1:${proxy}/api`)).toBe(401);
      }
      await dp.stop();
    } finally {
      await cp.server.close();
      up.close();
    }
  });

  it('rate limits hold for the whole data plane across its proxy workers', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const up = await echo();
    try {
      const file = join(dir, 'kong.yml');
      writeFileSync(file, stringify(kongYml(up.port, { name: 'rate-limiting', config: { minute: 5, limit_by: 'ip' } })));
      const dp = await startDp(p, join(dir, 'dp'), await freePort(), ['--declarative-config', file, '--nginx-worker-processes', '2']);
      expect(String((await dp.d.waitFor((l) => l.msg === 'data plane started')).workers)).toBe('2');
      // A new connection per request, so the kernel spreads them over both workers.
      const statuses = [];
      for (let i = 0; i < 12; i++) statuses.push((await fetch(`${dp.proxy}/api`, { headers: { connection: 'close' } })).status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(5);
      expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
      await dp.d.stop();
    } finally {
      up.close();
    }
  });
});
