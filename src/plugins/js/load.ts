// Loading a plugins directory the way kong-js-pluginserver reads its --plugins-directory: every
// .js, .cjs and .mjs file and every package directory is one plugin, named after the file (or its
// exported Name). require() also loads ES modules on the Node versions hybridctl supports.
import { createRequire } from 'node:module';
import { readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { adaptModule, type JsPluginModule } from './module.js';
import { DiscoveryError, type JsPluginSources } from './discover.js';

const LOADED = new Set(['.js', '.cjs', '.mjs', '']);
const REFUSED: Record<string, string> = {
  '.ts': 'TypeScript is not loaded; compile the plugin to .js',
  '.node': 'native addons are not loaded',
};

export interface LoadedJsPlugins {
  modules: JsPluginModule[];
  /** Plugin name (from the file name) → why it could not be loaded: fatal once kong.conf `plugins` names it. */
  failed: Map<string, string>;
}

const errText = (err: unknown) => (err instanceof Error ? err.message.split('\n')[0]! : String(err));

/** One plugin file (or package directory); throws with the file in the message. */
export function loadJsPluginFile(file: string, timeoutMs: number): JsPluginModule {
  const base = file.slice(file.lastIndexOf('/') + 1);
  const fileName = base.slice(0, base.length - extname(base).length);
  let exports: Record<string, unknown>;
  try {
    const req = createRequire(join(resolve(file, '..'), 'index.js'));
    exports = req(resolve(file)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`JavaScript plugin ${file} cannot be loaded: ${errText(err)}`);
  }
  // An ES module's exports come as a namespace; kong-pdk modules may also export default { Plugin, ... }.
  const mod = exports && typeof exports.Plugin !== 'function' && typeof exports.default === 'object' && exports.default !== null ? (exports.default as Record<string, unknown>) : exports;
  const name = String(typeof mod.Name === 'string' && mod.Name ? mod.Name : fileName).toLowerCase();
  try {
    return adaptModule(name, resolve(file), mod, timeoutMs);
  } catch (err) {
    throw new Error(`JavaScript plugin ${file} cannot be loaded: ${errText(err)}`);
  }
}

export function loadJsPlugins(sources: JsPluginSources): LoadedJsPlugins {
  const modules: JsPluginModule[] = [];
  const failed = new Map<string, string>();
  for (const { dir, key } of sources.dirs) {
    let entries: string[];
    try {
      if (!statSync(dir).isDirectory()) throw new Error('not a directory');
      entries = readdirSync(dir).sort();
    } catch (err) {
      throw new DiscoveryError(key, `${key}: cannot read the plugins directory ${dir}: ${(err as NodeJS.ErrnoException).code ?? errText(err)}`, 'point it at a directory of .js plugin files');
    }
    for (const entry of entries) {
      if (entry.startsWith('.') || entry === 'node_modules') continue;
      const file = join(dir, entry);
      const ext = extname(entry);
      const fileName = entry.slice(0, entry.length - ext.length).toLowerCase();
      if (REFUSED[ext]) {
        failed.set(fileName, `JavaScript plugin ${file} cannot be loaded: ${REFUSED[ext]}`);
        continue;
      }
      if (!LOADED.has(ext)) continue;
      if (ext === '' && !statSync(file).isDirectory()) continue;
      try {
        const m = loadJsPluginFile(file, sources.timeoutMs);
        const dup = modules.find((x) => x.name === m.name);
        if (dup) failed.set(m.name, `two JavaScript plugins are named ${m.name}: ${dup.file} and ${m.file}`);
        else modules.push(m);
      } catch (err) {
        failed.set(fileName, errText(err));
      }
    }
  }
  // A name loaded twice is refused outright, not settled by directory order.
  return { modules: modules.filter((m) => !failed.has(m.name)), failed };
}

/** Plugin names from file names alone, without running any plugin code (for lint); unreadable directories give none. */
export function jsPluginNames(sources: JsPluginSources): string[] {
  const names: string[] = [];
  for (const { dir } of sources.dirs) {
    let entries: string[] = [];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const entry of entries) {
      const ext = extname(entry);
      if (!entry.startsWith('.') && entry !== 'node_modules' && LOADED.has(ext)) names.push(entry.slice(0, entry.length - ext.length).toLowerCase());
    }
  }
  return names;
}
