// hybridctl lint: kong.conf + KONG_* as Kong reads them, every finding, exit 0/1/2.
import { DEFAULT_CONF_PATHS, loadConf } from '../../conf/index.js';
import { InputError } from '../../errors.js';
import { lintConf } from '../../lint/index.js';
import type { Io } from '../io.js';
import { oneOf, outputFormat } from '../options.js';
import { renderLintJson, renderLintText } from '../render/lint.js';

export async function lintAction(file: string | undefined, flags: { role?: string; output?: string }, io: Io): Promise<number> {
  const format = outputFormat(flags.output);
  const role = flags.role ? oneOf('--role', flags.role, ['cp', 'dp'] as const, 'dp') : undefined;
  // Without FILE the loader searches Kong's default paths; lint needs a file to judge.
  const loaded = loadConf({ file: file ?? null, env: io.env, role: role === 'cp' ? 'control_plane' : role === 'dp' ? 'data_plane' : undefined, fileGivenAs: 'as the FILE argument' });
  const path = loaded.path;
  if (!path) throw new InputError(`no configuration file given and none found at ${DEFAULT_CONF_PATHS.join(' or ')}`, { hint: 'pass the file: hybridctl lint /path/to/kong.conf' });
  const findings = lintConf(loaded, { now: io.now() });
  const originOf = (key: string) => {
    const source = loaded.entries.get(key)?.source;
    return source === 'env' ? `KONG_${key.toUpperCase()}` : source === 'flag' ? `--${key}` : undefined;
  };
  io.out(format === 'json' ? renderLintJson(path, findings) : renderLintText(path, findings, io.color, originOf));
  return findings.some((f) => f.severity === 'error') ? 1 : 0;
}
