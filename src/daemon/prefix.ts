// The working directory of a daemon (Kong's prefix): the configured one, or $HOME/.hybridctl
// when Kong's default /usr/local/kong is not writable (an operator running without root).
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RuntimeError, errorMessage } from '../errors.js';

export const KONG_DEFAULT_PREFIX = '/usr/local/kong';

function writable(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export function resolvePrefix(o: { prefix: string | undefined; home: string; explicit: boolean }): { prefix: string; fellBack: boolean } {
  const wanted = resolve(o.prefix ?? KONG_DEFAULT_PREFIX);
  if (writable(wanted)) return { prefix: wanted, fellBack: false };
  if (o.explicit) throw new RuntimeError(`cannot use prefix ${wanted}: not writable`, { hint: 'pass --prefix with a directory you can write, or fix its permissions' });
  const fallback = join(o.home, '.hybridctl');
  try {
    mkdirSync(fallback, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new RuntimeError(`cannot create ${fallback}: ${errorMessage(err)}`, { hint: 'pass --prefix with a writable directory' });
  }
  return { prefix: fallback, fellBack: true };
}
