// A data plane's declarative_config: served until the control plane sends a configuration.
import { readFileSync } from 'node:fs';
import { ConfigError, errorMessage } from '../errors.js';
import { declarativeToConfigTable, parseDeclarativeText } from '../entities/index.js';
import { configHash } from '../cluster/protocol/hash.js';

export function loadDeclarativeFile(path: string): { configTable: Record<string, unknown>; hash: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`declarative_config: cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : errorMessage(err)}`, [], {
      hint: 'point declarative_config at a YAML or JSON file with _format_version: "3.0", or unset it',
    });
  }
  try {
    const configTable = declarativeToConfigTable(parseDeclarativeText(text));
    return { configTable, hash: configHash(configTable).config_hash };
  } catch (err) {
    throw new ConfigError(`declarative_config ${path} is not a valid declarative configuration: ${errorMessage(err)}`);
  }
}
