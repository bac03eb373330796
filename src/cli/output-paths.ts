// Checks the files a command is about to write before anything is generated: two outputs on one
// path, an output that is a directory, or an output that would replace one of the command's own
// inputs all end with a usage error naming the flag, and nothing is written.
import { statSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError, UsageError } from '../errors.js';

export interface NamedPath {
  /** How the operator gave it: a flag (`--out-cert`) or a positional name (`CERT`). */
  flag: string;
  path: string;
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Same file: equal absolute paths, or (for existing files) the same inode behind two names. */
function samePath(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  const sa = statOf(a);
  const sb = statOf(b);
  return sa !== undefined && sb !== undefined && sa.dev === sb.dev && sa.ino === sb.ino;
}

export function checkOutputPaths(outputs: readonly NamedPath[], inputs: readonly NamedPath[] = []): void {
  for (const [i, out] of outputs.entries()) {
    const clash = outputs.slice(0, i).find((o) => samePath(o.path, out.path));
    if (clash) {
      throw new UsageError(`${clash.flag} and ${out.flag} are the same file (${resolve(out.path)}); one would overwrite the other`, {
        hint: 'give the certificate and the key different paths',
      });
    }
    const input = inputs.find((inp) => samePath(inp.path, out.path));
    if (input) {
      throw new UsageError(`${out.flag} ${resolve(out.path)} is the file given to ${input.flag}; writing it would destroy the input`, { hint: `choose another path for ${out.flag}` });
    }
    if (statOf(out.path)?.isDirectory()) {
      throw new InputError(`${out.flag} ${resolve(out.path)} is a directory, not a file`, {
        hint: out.flag === '--out-dir' ? 'remove that directory, or choose another --out-dir' : `name a file, e.g. ${join(out.path, defaultName(out.flag))}`,
      });
    }
    const parent = dirname(resolve(out.path));
    const up = statOf(parent);
    if (up && !up.isDirectory()) throw new InputError(`${out.flag} ${resolve(out.path)}: ${parent} is a file, not a directory`, { hint: 'choose a path whose parent is a directory' });
  }
}

function defaultName(flag: string): string {
  return /key/i.test(flag) ? 'cluster.key' : 'cluster.crt';
}

/** An output directory must be a directory when it exists. */
export function checkOutputDir(flag: string, dir: string): void {
  const s = statOf(dir);
  if (s && !s.isDirectory()) throw new InputError(`${flag} ${resolve(dir)} is a file, not a directory`, { hint: `choose a directory for ${flag}, e.g. ${join(dirname(resolve(dir)), 'pki')}` });
}
