// JavaScript plugins written against kong-pdk: their Lua-style schemas, where kong.conf says they
// live, loading a directory, and the in-process adapter run by a real proxy.
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { convertSchema } from '../../../src/plugins/js/schema.js';
import { jsPluginSources, pluginServerDirectory } from '../../../src/plugins/js/discover.js';
import { loadJsPlugins } from '../../../src/plugins/js/load.js';
import { enabledOnNode } from '../../../src/plugins/installed.js';
import { validateConfig } from '../../../src/plugins/schema/validate.js';
import { useHarness } from './harness.js';

const EXAMPLE = resolve(__dirname, '../../../examples/js-plugins/goodbye.js');
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'hybridctl-js-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const conf = (o: Record<string, string>) => (k: string) => o[k] ?? null;

describe('kong-pdk Schema → PluginSchema', () => {
  const schema = convertSchema([
    { message: { type: 'string', required: true, default: 'hi' } },
    { status: { type: 'integer', between: [400, 499] } },
    { tags: { type: 'array', elements: { type: 'string', one_of: ['a', 'b'] } } },
    { nested: { type: 'record', fields: [{ depth: { type: 'number', gt: 0, default: 1 } }] } },
  ]);

  it('validates and fills defaults as Kong would', () => {
    expect(validateConfig(schema, {}).config).toMatchObject({ message: 'hi', nested: { depth: 1 } });
    expect(validateConfig(schema, { status: 200, tags: ['c'], nested: { depth: 0 } }).errors).toEqual({
      status: 'value should be between 400 and 499',
      tags: { 1: 'expected one of: a, b' },
      nested: { depth: 'value must be greater than 0' },
    });
    expect(validateConfig(schema, { other: 1 }).errors).toEqual({ other: 'unknown field' });
  });

  it('refuses what it cannot check the way Kong does, naming the field', () => {
    expect(() => convertSchema([{ path: { type: 'string', match: '^/%w+' } }])).toThrow("field 'path': 'match' is not supported");
    expect(() => convertSchema([{ r: { type: 'record', fields: [{ x: { type: 'foreign' } }] } }])).toThrow("field 'r.x' has type \"foreign\"");
    expect(() => convertSchema({ message: { type: 'string' } })).toThrow('Schema must be an array');
  });
});

describe('where kong.conf puts JavaScript plugins', () => {
  it("reads kong-js-pluginserver's --plugins-directory from pluginserver_* commands", () => {
    expect(pluginServerDirectory('/usr/local/bin/kong-js-pluginserver -v --plugins-directory /usr/local/kong/js-plugins')).toBe('/usr/local/kong/js-plugins');
    expect(pluginServerDirectory('kong-js-pluginserver -d "/opt/my plugins" --dump-all-plugins')).toBe('/opt/my plugins');
    expect(pluginServerDirectory('kong-js-pluginserver --plugins-directory=/p')).toBe('/p');
    expect(pluginServerDirectory('/usr/local/bin/go-hello -dump')).toBeNull();
    const s = jsPluginSources(conf({
      pluginserver_names: 'js,go',
      pluginserver_js_start_cmd: '/usr/local/bin/kong-js-pluginserver -v --plugins-directory /k/js',
      pluginserver_js_query_cmd: '/usr/local/bin/kong-js-pluginserver --plugins-directory /k/js --dump-all-plugins',
      pluginserver_go_start_cmd: '/usr/local/bin/go-hello',
      js_plugins_directory: '/h/js',
      js_plugins_timeout: '250',
    }));
    expect(s).toEqual({ dirs: [{ dir: '/h/js', key: 'js_plugins_directory' }, { dir: '/k/js', key: 'pluginserver_js_start_cmd' }], timeoutMs: 250 });
    expect(() => jsPluginSources(conf({ pluginserver_names: 'js', pluginserver_js_start_cmd: 'kong-js-pluginserver -v' }))).toThrow('pluginserver_js_start_cmd runs kong-js-pluginserver without --plugins-directory');
    expect(() => jsPluginSources(conf({ js_plugins_timeout: '1.5s' }))).toThrow("js_plugins_timeout is not a whole number of milliseconds ≥ 1: '1.5s'");
  });
});

describe('loading a plugins directory', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'package.json'), '{ "type": "commonjs" }');
  copyFileSync(EXAMPLE, join(dir, 'goodbye.js'));
  writeFileSync(join(dir, 'esm.mjs'), "export class Plugin { async access(kong) { await kong.response.setHeader('x-esm', 'yes') } }\nexport const Version = '0.2.0';\nexport const Priority = 5;\n");
  mkdirSync(join(dir, 'pkg'));
  writeFileSync(join(dir, 'pkg', 'index.js'), "module.exports = { Name: 'Packaged', Plugin: class { access() {} }, Version: '3.0.0' };\n");
  writeFileSync(join(dir, 'helper.js'), 'module.exports = { shout: (s) => s.toUpperCase() };\n');
  writeFileSync(join(dir, 'buffered.js'), "module.exports = { Plugin: class { async response() {} }, Version: '1.0.0' };\n");
  writeFileSync(join(dir, 'typed.ts'), 'export {};\n');
  writeFileSync(join(dir, 'README.md'), 'not a plugin\n');

  it("names plugins after their files (or exported Name), keeps Version and Priority, reports what does not load", () => {
    const r = loadJsPlugins({ dirs: [{ dir, key: 'js_plugins_directory' }], timeoutMs: 100 });
    expect(r.modules.map((m) => [m.name, m.version, m.priority])).toEqual([['esm', '0.2.0', 5], ['goodbye', '1.0.0', 10], ['packaged', '3.0.0', 0]]);
    expect([...r.failed.keys()].sort()).toEqual(['buffered', 'helper', 'typed']);
    expect(r.failed.get('helper')).toBe(`JavaScript plugin ${join(dir, 'helper.js')} cannot be loaded: exports no Plugin class (kong-pdk: module.exports = { Plugin, Schema, Version, Priority })`);
    expect(r.failed.get('buffered')).toContain("defines response(): the response phase (Kong's buffered proxying) is not run");
    expect(r.failed.get('typed')).toContain('TypeScript is not loaded; compile the plugin to .js');
  });

  it('enables them only by name (never through bundled), and a broken one named in plugins stops the node', () => {
    const get = conf({ js_plugins_directory: dir });
    expect(enabledOnNode('bundled', get).modules?.has('goodbye')).toBe(false);
    expect(enabledOnNode('bundled,goodbye', get).modules?.get('goodbye')?.version).toBe('1.0.0');
    expect(enabledOnNode('goodbye,buffered', get).error?.message).toContain(`JavaScript plugin ${join(dir, 'buffered.js')} cannot be loaded: defines response()`);
    expect(enabledOnNode('goodbye,nope', get).error?.message).toBe('nope plugin is enabled but not installed');
    expect(enabledOnNode('goodbye', conf({ js_plugins_directory: join(dir, 'absent') })).error?.message).toMatch(/^js_plugins_directory: cannot read the plugins directory .*absent: ENOENT$/);
  });
});

const pluginDir = tempDir();
writeFileSync(join(pluginDir, 'package.json'), '{ "type": "commonjs" }');
copyFileSync(EXAMPLE, join(pluginDir, 'goodbye.js'));
writeFileSync(join(pluginDir, 'thrower.js'), `module.exports = { Version: '1.0.0', Plugin: class {
  async access(kong) { if (await kong.request.getHeader('x-boom')) throw new Error('boom from the plugin'); await kong.response.set_header('x-snake', 'ok'); }
} };\n`);
// Hangs until another request lets it go, then records what its late PDK call did.
writeFileSync(join(pluginDir, 'hanger.js'), `let release; const gate = new Promise((r) => { release = r; }); let late = 'none';
module.exports = { Version: '1.0.0', Plugin: class {
  async access(kong) {
    if (await kong.request.getHeader('x-hang')) {
      await gate;
      try { await kong.response.exit(418, 'late'); late = 'applied'; } catch (err) { late = err.message; }
      return;
    }
    if (await kong.request.getHeader('x-release')) { release(); await new Promise((r) => setImmediate(r)); }
    await kong.response.setHeader('x-late', late);
  }
} };\n`);
writeFileSync(join(pluginDir, 'unsupported.js'), `module.exports = { Version: '1.0.0', Plugin: class {
  async access(kong) { await kong.nginx.getVar('request_uri'); }
} };\n`);
writeFileSync(join(pluginDir, 'logger.js'), `const seen = [];
module.exports = { Version: '1.0.0', Plugin: class {
  async access(kong) { if (await kong.request.get_header('x-report')) await kong.response.setHeader('x-logged', seen.join(',')); }
  async log(kong) { seen.push(String(await kong.response.getStatus())); if (await kong.request.getHeader('x-fail-log')) throw new Error('log broke'); }
} };\n`);
writeFileSync(join(pluginDir, 'picky.js'), `module.exports = { Version: '1.0.0', Schema: [{ fail: { type: 'boolean', default: false } }], Plugin: class {
  constructor(config) { if (config.fail) throw new Error('picky refuses this config'); }
  access() {}
} };\n`);
const loaded = loadJsPlugins({ dirs: [{ dir: pluginDir, key: 'js_plugins_directory' }], timeoutMs: 300 });

describe('JavaScript plugins in the proxy', () => {
  const h = useHarness(() => ({
    services: [{
      name: 's',
      routes: [
        { name: 'bye', paths: ['/bye'], plugins: [{ name: 'goodbye', config: { message: 'farewell', status: 451 } }] },
        { name: 'boom', paths: ['/boom'], plugins: [{ name: 'thrower' }] },
        { name: 'hang', paths: ['/hang'], plugins: [{ name: 'hanger' }] },
        { name: 'nginx', paths: ['/nginx'], plugins: [{ name: 'unsupported' }] },
        { name: 'log', paths: ['/log'], plugins: [{ name: 'logger' }] },
        { name: 'picky-ok', paths: ['/picky-ok'], plugins: [{ name: 'picky' }] },
        { name: 'picky-bad', paths: ['/picky-bad'], plugins: [{ name: 'picky', config: { fail: true } }] },
      ],
    }],
  }), { modules: loaded.modules });

  it('runs access with the promise-returning PDK: headers both ways, and kong.response.exit', async () => {
    const ok = await h().send({ path: '/bye' });
    expect(ok.status).toBe(200);
    expect(ok.headers['x-goodbye']).toBe('farewell');
    expect(ok.echo().headers['x-goodbye-seen']).toBe('yes');
    const exit = await h().send({ path: '/bye', headers: { 'x-leaving': 'Ann' } });
    expect(exit.status).toBe(451);
    expect(exit.json()).toEqual({ message: 'farewell, Ann' });
  });

  it('a throw fails that request only, with Kong 500 and a line naming the plugin', async () => {
    const bad = await h().send({ path: '/boom', headers: { 'x-boom': '1' } });
    expect(bad.status).toBe(500);
    expect(bad.json().message).toBe('An unexpected error occurred');
    expect(h().lines.some((l) => l.msg === 'plugin thrower failed: boom from the plugin')).toBe(true);
    const fine = await h().send({ path: '/boom' });
    expect(fine.status).toBe(200);
    expect(fine.headers['x-snake']).toBe('ok');
  });

  it('a handler past js_plugins_timeout fails that request; its late calls change nothing', async () => {
    const slow = await h().send({ path: '/hang', headers: { 'x-hang': '1' } });
    expect(slow.status).toBe(500);
    expect(h().lines.some((l) => l.msg === 'plugin hanger failed: access did not finish within 300 ms (js_plugins_timeout)')).toBe(true);
    const after = await h().send({ path: '/hang', headers: { 'x-release': '1' } });
    expect(after.status).toBe(200);
    expect(after.headers['x-late']).toBe('PDK method kong.response.exit called after its phase ended');
  });

  it('a PDK call hybridctl has no answer for fails the request rather than doing nothing', async () => {
    expect((await h().send({ path: '/nginx' })).status).toBe(500);
    expect(h().lines.some((l) => l.msg === 'plugin unsupported failed: PDK method kong.nginx.getVar is not supported by hybridctl')).toBe(true);
  });

  it('a constructor that throws fails the requests through that instance only', async () => {
    expect((await h().send({ path: '/picky-bad' })).status).toBe(500);
    expect(h().lines.some((l) => l.msg === 'plugin picky failed: picky refuses this config')).toBe(true);
    expect((await h().send({ path: '/picky-ok' })).status).toBe(200);
  });

  it('log runs after the response; its failure is logged and changes no answer', async () => {
    expect((await h().send({ path: '/log/status/201' })).status).toBe(201);
    expect((await h().send({ path: '/log', headers: { 'x-fail-log': '1' } })).status).toBe(200);
    // The log phase runs once the response is written, so the next request may arrive first: ask again.
    let logged = '';
    for (let i = 0; i < 50 && !logged.startsWith('201,200'); i++) logged = String((await h().send({ path: '/log', headers: { 'x-report': '1' } })).headers['x-logged']);
    expect(logged.startsWith('201,200')).toBe(true);
    expect(h().lines.some((l) => l.level === 'error' && String(l.msg).endsWith('log phase failed: log broke'))).toBe(true);
  });
});
