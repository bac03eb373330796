// kong.conf `plugins`: Kong refuses to start with a plugin it has not installed; hybridctl's
// daemons refuse one they do not run, since a data plane would otherwise accept configs it cannot
// enforce.
import { enabledPlugins } from '../../plugins/enabled.js';
import { BUNDLED } from '../../plugins/registry.js';
import { customPluginNames } from '../../plugins/installed.js';
import type { Rule } from '../rule.js';

export const pluginsInstalled: Rule = {
  id: 'plugin-not-installed',
  severity: 'error',
  keys: ['plugins'],
  source: 'kong',
  check: ({ conf, loaded }) => {
    const custom = customPluginNames((k) => loaded.entries.get(k)?.value ?? null);
    const r = enabledPlugins(conf.plugins.join(',') || 'bundled', BUNDLED);
    return r.missing.filter((name) => !custom.includes(name)).map((name) => ({
      message: `${name} plugin is enabled but not installed`,
      hint: `hybridctl runs: ${BUNDLED.map((m) => m.name).join(', ')}`,
    }));
  },
};

export const pluginsOffIgnored: Rule = {
  id: 'plugins-off-first',
  severity: 'warning',
  keys: ['plugins'],
  source: 'hybridctl',
  check: ({ conf }) =>
    conf.plugins[0] === 'off' && conf.plugins.length > 1
      ? [{ message: `plugins starts with off, so no plugin runs and ${conf.plugins.slice(1).join(', ')} ${conf.plugins.length > 2 ? 'are' : 'is'} ignored`, hint: 'remove off to run the plugins listed' }]
      : [],
};
