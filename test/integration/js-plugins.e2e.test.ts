// Custom JavaScript plugins through real CP and DP processes: loaded from a directory named in
// kong.conf (hybridctl's js_plugins_directory on the CP, an existing Kong setup's
// kong-js-pluginserver command on the DP), validated by the CP with the plugin's own schema,
// enforced by the DP's proxy workers, and withheld from a DP that lacks the plugin.
import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { pki, post, startCp, startDp, upstream, until } from '../helpers/cluster.js';

const EXAMPLE = resolve(__dirname, '../../examples/js-plugins/goodbye.js');
const json = async (url: string) => (await fetch(url)).json() as Promise<any>;

function pluginsDir(root: string): string {
  const dir = join(root, 'js-plugins');
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), '{ "type": "commonjs" }');
  copyFileSync(EXAMPLE, join(dir, 'goodbye.js'));
  writeFileSync(join(dir, 'thrower.js'), "module.exports = { Version: '1.0.0', Plugin: class { async access(kong) { if (await kong.request.getHeader('x-boom')) throw new Error('boom'); } } };\n");
  writeFileSync(join(dir, 'hanger.js'), "module.exports = { Version: '1.0.0', Plugin: class { async access(kong) { if (await kong.request.getHeader('x-hang')) await new Promise(() => {}); } } };\n");
  return dir;
}

describe('custom JavaScript plugins across real CP and DP processes', () => {
  it('the CP validates with the plugin schema and lists it; the DP enforces it; a throw or a hang fails that request only', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const plugins = pluginsDir(dir);
    const up = await upstream();
    try {
      writeFileSync(join(dir, 'cp.conf'), `js_plugins_directory = ${plugins}\nplugins = bundled,goodbye,thrower,hanger\n`);
      writeFileSync(join(dir, 'dp.conf'), [
        'pluginserver_names = js',
        `pluginserver_js_start_cmd = /usr/local/bin/kong-js-pluginserver -v --plugins-directory ${plugins}`,
        `pluginserver_js_query_cmd = /usr/local/bin/kong-js-pluginserver --plugins-directory ${plugins} --dump-all-plugins`,
        'plugins = bundled,goodbye,thrower,hanger',
        'js_plugins_timeout = 300',
        '',
      ].join('\n'));
      const cp = await startCp(p, join(dir, 'cp'), ['--conf', join(dir, 'cp.conf')]);
      const dp = await startDp(p, join(dir, 'dp'), cp.cluster, ['--conf', join(dir, 'dp.conf'), '--nginx-worker-processes', '2']);

      const root = await json(`${cp.admin}/`);
      expect(root.plugins.available_on_server.goodbye).toEqual({ version: '1.0.0', priority: 10 });
      expect((await json(`${cp.admin}/plugins/enabled`)).enabled_plugins).toEqual(expect.arrayContaining(['goodbye', 'thrower', 'hanger']));
      const schema = await json(`${cp.admin}/schemas/plugins/goodbye`);
      expect(JSON.stringify(schema)).toContain('"between":[400,499]');

      expect((await post(`${cp.admin}/services`, { name: 'up', url: `http://127.0.0.1:${up.port}` })).status).toBe(201);
      for (const r of ['bye', 'boom', 'hang']) expect((await post(`${cp.admin}/services/up/routes`, { name: r, paths: [`/${r}`] })).status).toBe(201);
      const bad = await post(`${cp.admin}/routes/bye/plugins`, { name: 'goodbye', config: { status: 200, colour: 'red' } });
      expect(bad.status).toBe(400);
      expect((await bad.json()).fields).toEqual({ config: { status: 'value should be between 400 and 499', colour: 'unknown field' } });
      const good = await post(`${cp.admin}/routes/bye/plugins`, { name: 'goodbye', config: { message: 'so long' } });
      expect(good.status).toBe(201);
      expect((await good.json()).config).toEqual({ message: 'so long', status: 403 });
      expect((await post(`${cp.admin}/routes/boom/plugins`, { name: 'thrower' })).status).toBe(201);
      expect((await post(`${cp.admin}/routes/hang/plugins`, { name: 'hanger' })).status).toBe(201);

      const greeted = await until(async () => {
        const r = await fetch(`${dp.proxy}/bye`);
        return r.headers.get('x-goodbye') === 'so long' ? r : undefined;
      }, 'goodbye enforced by the DP');
      expect(greeted.status).toBe(200);
      await until(async () => (await fetch(`${dp.proxy}/hang`)).status === 200, 'every plugin synced');
      const seen = up.seen.length;
      const leaving = await fetch(`${dp.proxy}/bye`, { headers: { 'x-leaving': 'Bo' } });
      expect(leaving.status).toBe(403);
      expect(await leaving.json()).toEqual({ message: 'so long, Bo' });
      expect(up.seen.length, 'an exit never reaches the upstream').toBe(seen);

      expect((await fetch(`${dp.proxy}/boom`, { headers: { 'x-boom': '1' } })).status).toBe(500);
      expect((await fetch(`${dp.proxy}/hang`, { headers: { 'x-hang': '1' } })).status).toBe(500);
      await dp.d.waitFor((l) => l.msg === 'plugin hanger failed: access did not finish within 300 ms (js_plugins_timeout)', 10_000, 'timeout line');
      await dp.d.waitFor((l) => l.msg === 'plugin thrower failed: boom', 10_000, 'throw line');
      expect((await fetch(`${dp.proxy}/boom`)).status).toBe(200);
      expect((await fetch(`${dp.proxy}/hang`)).status).toBe(200);
      expect((await fetch(`${dp.proxy}/bye`)).headers.get('x-goodbye')).toBe('so long');
      await dp.d.stop();
      await cp.d.stop();
    } finally {
      up.server.close();
    }
  });

  it('a DP without the plugin gets no configuration (plugin_set_incompatible); a DP whose plugin file breaks does not start', async () => {
    const dir = tempDir();
    const p = await pki(join(dir, 'pki'));
    const plugins = pluginsDir(dir);
    writeFileSync(join(dir, 'cp.conf'), `js_plugins_directory = ${plugins}\nplugins = bundled,goodbye\n`);
    const cp = await startCp(p, join(dir, 'cp'), ['--conf', join(dir, 'cp.conf')]);
    expect((await post(`${cp.admin}/plugins`, { name: 'goodbye' })).status).toBe(201);
    const dp = await startDp(p, join(dir, 'dp'), cp.cluster);
    const line = await cp.d.waitFor((l) => /configured goodbye plugin 1\.0\.0 is missing from data plane/.test(l.msg), 20_000, 'CP refusal line');
    expect(line.sync_status).toBe('plugin_set_incompatible');
    await dp.d.stop();

    writeFileSync(join(plugins, 'broken.js'), "module.exports = { Plugin: class { access() {} } };\n");
    writeFileSync(join(dir, 'dp.conf'), `js_plugins_directory = ${plugins}\nplugins = bundled,goodbye,broken\n`);
    const r = await runCli(['dp', 'run', '--conf', join(dir, 'dp.conf'), '--prefix', join(dir, 'dp2'), '--cp-address', `localhost:${cp.cluster}`,
      '--cluster-mtls', 'pki', '--ca-cert-file', p('ca.crt'), '--cert-file', p('dp.crt'), '--key-file', p('dp.key'), '--proxy-listen', '127.0.0.1:0', '--status-listen', 'off']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`JavaScript plugin ${join(plugins, 'broken.js')} cannot be loaded: exports no Version string`);
    await cp.d.stop();
  });
});
