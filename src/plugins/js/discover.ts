// Where a node's JavaScript plugins live, read from kong.conf: hybridctl's js_plugins_directory,
// or the directory an existing Kong setup hands its plugin server (pluginserver_names with a
// kong-js-pluginserver start or query command and its --plugins-directory), so the same files load.

export class DiscoveryError extends Error {
  constructor(readonly key: string, message: string, readonly hint: string) {
    super(message);
  }
}

export interface JsPluginSources {
  /** Directories, each with the kong.conf key it came from. */
  dirs: { dir: string; key: string }[];
  timeoutMs: number;
}

export const DEFAULT_TIMEOUT_MS = 5000;

/** Shell-like words: quotes group, backslash escapes. */
function words(cmd: string): string[] {
  const out: string[] = [];
  const re = /"((?:\\.|[^"\\])*)"|'([^']*)'|((?:\\.|[^\s"'\\])+)/g;
  for (const m of cmd.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1'));
  return out;
}

/** The --plugins-directory of a kong-js-pluginserver command; null for other plugin servers. */
export function pluginServerDirectory(cmd: string): string | null | undefined {
  const w = words(cmd);
  const at = w.findIndex((x) => /(^|\/)kong-js-pluginserver$/.test(x));
  if (at < 0) return null;
  for (let i = at + 1; i < w.length; i++) {
    const x = w[i]!;
    const eq = /^(?:--?plugins-directory|-d)=(.*)$/.exec(x);
    if (eq) return eq[1];
    if (x === '--plugins-directory' || x === '-plugins-directory' || x === '-d') return w[i + 1];
  }
  return undefined;
}

const list = (v: string | null) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);

export function jsPluginSources(get: (key: string) => string | null): JsPluginSources {
  const dirs: JsPluginSources['dirs'] = list(get('js_plugins_directory')).map((dir) => ({ dir, key: 'js_plugins_directory' }));
  for (const name of list(get('pluginserver_names'))) {
    const prefix = `pluginserver_${name.toLowerCase().replace(/-/g, '_')}`;
    for (const key of [`${prefix}_start_cmd`, `${prefix}_query_cmd`]) {
      const cmd = get(key);
      if (!cmd) continue;
      const dir = pluginServerDirectory(cmd);
      if (dir === null) continue;
      if (!dir) throw new DiscoveryError(key, `${key} runs kong-js-pluginserver without --plugins-directory`, 'add --plugins-directory <dir> (or set js_plugins_directory)');
      if (!dirs.some((d) => d.dir === dir)) dirs.push({ dir, key });
    }
  }
  const raw = get('js_plugins_timeout');
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (raw !== null && raw !== '') {
    timeoutMs = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || timeoutMs < 1) throw new DiscoveryError('js_plugins_timeout', `js_plugins_timeout is not a whole number of milliseconds ≥ 1: '${raw}'`, `e.g. js_plugins_timeout = ${DEFAULT_TIMEOUT_MS}`);
  }
  return { dirs, timeoutMs };
}
