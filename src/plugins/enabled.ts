// kong.conf `plugins`: which plugins this node runs. Kong's reading (conf_loader): a comma list of
// names where `bundled` stands for every bundled plugin and `off` as the first entry for none.
import type { PluginModule } from './types.js';

export interface EnabledPlugins {
  /** Enabled plugins by name, in the order Kong reports them (sorted by name). */
  modules: ReadonlyMap<string, PluginModule>;
  /** Names asked for that this node cannot run. */
  missing: string[];
}

/** `custom` plugins (a plugins directory's) are enabled by name only, never by `bundled`. */
export function enabledPlugins(value: string | null | undefined, bundled: readonly PluginModule[], custom: readonly PluginModule[] = []): EnabledPlugins {
  const names = (value ?? 'bundled').split(',').map((s) => s.trim()).filter(Boolean);
  const byName = new Map([...bundled, ...custom].map((m) => [m.name, m]));
  const picked = new Map<string, PluginModule>();
  const missing: string[] = [];
  if (names.length > 0 && names[0] !== 'off') {
    for (const n of names) {
      if (n === 'off') continue;
      if (n === 'bundled') {
        for (const m of bundled) picked.set(m.name, m);
        continue;
      }
      const m = byName.get(n);
      if (m) picked.set(n, m);
      else if (!missing.includes(n)) missing.push(n);
    }
  }
  const modules = new Map([...picked.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { modules, missing };
}

/** Kong's error for a configured plugin this node does not have. */
export const notEnabledMessage = (name: string) => `plugin '${name}' not enabled; add it to the 'plugins' configuration property`;
