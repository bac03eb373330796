// The plugins a node can run: the bundled ones plus the JavaScript plugins of its plugins
// directories, resolved against kong.conf `plugins`. Anything named there that cannot run (not
// installed, or a file that does not load) stops the node with one line saying which and why.
import type { PluginModule } from './types.js';
import { BUNDLED, bundledByName } from './registry.js';
import { enabledPlugins } from './enabled.js';
import { DiscoveryError, jsPluginSources } from './js/discover.js';
import { jsPluginNames, loadJsPluginFile, loadJsPlugins } from './js/load.js';
import type { JsPluginModule } from './js/module.js';

export type ConfValue = (key: string) => string | null;
export type NodeEnabled = { modules: ReadonlyMap<string, PluginModule>; error?: undefined } | { modules?: undefined; error: { message: string; hint: string } };

export function installedPlugins(get: ConfValue): { custom: PluginModule[]; failed: Map<string, string> } {
  const loaded = loadJsPlugins(jsPluginSources(get));
  for (const m of loaded.modules) {
    if (bundledByName(m.name)) throw new DiscoveryError('plugins', `JavaScript plugin ${m.file} is named ${m.name}, like a bundled plugin`, 'rename the file (or its exported Name)');
  }
  return { custom: loaded.modules, failed: loaded.failed };
}

/** kong.conf `plugins` (as written) against what this node has installed. */
export function enabledOnNode(value: string, get: ConfValue): NodeEnabled {
  let installed;
  try {
    installed = installedPlugins(get);
  } catch (err) {
    if (err instanceof DiscoveryError) return { error: { message: err.message, hint: err.hint } };
    throw err;
  }
  const r = enabledPlugins(value, BUNDLED, installed.custom);
  if (r.missing.length === 0) return { modules: r.modules };
  const broken = r.missing.map((n) => installed.failed.get(n)).find(Boolean);
  if (broken) return { error: { message: broken, hint: 'fix the plugin file, or remove the plugin from plugins' } };
  const also = r.missing.length > 1 ? ` (also: ${r.missing.slice(1).join(', ')})` : '';
  return {
    error: {
      message: `${r.missing[0]} plugin is enabled but not installed${also}`,
      hint: `hybridctl runs: ${[...BUNDLED, ...installed.custom].map((m) => m.name).join(', ')}; remove the others from plugins (or use plugins = bundled), or put a JavaScript plugin in js_plugins_directory`,
    },
  };
}

/** What a proxy worker needs to load the same JavaScript plugins. */
export const jsPluginFiles = (enabled: ReadonlyMap<string, PluginModule>): { file: string; timeoutMs: number }[] =>
  [...enabled.values()].filter((m): m is JsPluginModule => 'file' in m).map((m) => ({ file: m.file, timeoutMs: m.timeoutMs }));

/** A proxy worker's plugins: the bundled ones plus the files its parent loaded. */
export function workerPlugins(names: string[], files: readonly { file: string; timeoutMs: number }[] = []): ReadonlyMap<string, PluginModule> {
  return enabledPlugins(names.join(',') || 'off', BUNDLED, files.map((f) => loadJsPluginFile(f.file, f.timeoutMs))).modules;
}

/** Names of the JavaScript plugins kong.conf points at, from file names only (no plugin code runs). */
export function customPluginNames(get: ConfValue): string[] {
  try {
    return jsPluginNames(jsPluginSources(get));
  } catch {
    return [];
  }
}
