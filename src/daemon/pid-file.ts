// One daemon per prefix, as Kong has one nginx per prefix: <prefix>/pids/hybridctl.pid holds the
// running daemon's pid (the bare number, so `kill -HUP $(cat …)` works as with Kong's nginx.pid).
// It is created with link(2), which fails if the name exists: of two daemons starting at once only
// one gets it, and a reader never sees a half-written file.
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RefusedError, errorMessage, RuntimeError } from '../errors.js';

export const pidFilePath = (prefix: string): string => join(prefix, 'pids', 'hybridctl.pid');

/** The pid in the file, or null when there is no file or it holds no pid. */
export function readPid(prefix: string): number | null {
  let text: string;
  try {
    text = readFileSync(pidFilePath(prefix), 'utf8');
  } catch {
    return null;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** Kong's kill -0: the process exists (EPERM: it does, owned by someone else). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of the daemon running in the prefix, or null. */
export function runningPid(prefix: string): number | null {
  const pid = readPid(prefix);
  return pid !== null && pid !== process.pid && isRunning(pid) ? pid : null;
}

export interface PidLock {
  path: string;
  /**
   * Set when the disk is full and the file could not be written: the daemon runs without it (a
   * full disk must not stop a data plane), and says so.
   */
  unwritten?: string;
  /** Removes the file if it still names this process. */
  release(): void;
}

export function acquirePidFile(prefix: string, command: 'cp' | 'dp', pid = process.pid): PidLock {
  const path = pidFilePath(prefix);
  const dir = join(prefix, 'pids');
  const tmp = join(dir, `.hybridctl.pid.${pid}`);
  const refuseIfRunning = () => {
    const other = readPid(prefix);
    if (other !== null && other !== pid && isRunning(other)) {
      throw new RefusedError(`hybridctl is already running in ${prefix} (pid ${other})`, {
        hint: `stop it first (hybridctl ${command} stop -p ${prefix}), or give this daemon its own --prefix`,
      });
    }
    return other;
  };
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    writeFileSync(tmp, `${pid}\n`, { mode: 0o644 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      try {
        unlinkSync(tmp);
      } catch {
        // never created
      }
      refuseIfRunning();
      return { path, unwritten: `cannot write ${path}: ${errorMessage(err)}`, release: () => undefined };
    }
    throw new RuntimeError(`cannot write ${path}: ${errorMessage(err)}`, { hint: 'pass --prefix with a directory you can write' });
  }
  try {
    for (let tries = 0; ; tries++) {
      try {
        linkSync(tmp, path);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 2) throw err;
      }
      const other = refuseIfRunning();
      // Left by a daemon that died without cleaning up: take it over.
      try {
        if (readPid(prefix) === other) unlinkSync(path);
      } catch {
        // Another starter removed it first; the next link decides.
      }
    }
  } catch (err) {
    if (err instanceof RefusedError) throw err;
    throw new RuntimeError(`cannot write ${path}: ${errorMessage(err)}`, { hint: 'pass --prefix with a directory you can write' });
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      if (readPid(prefix) === pid) unlinkSync(path);
    } catch {
      // Nothing left to remove.
    }
  };
  // A daemon ending any other way (a fatal error) does not leave its pid file behind either.
  process.on('exit', release);
  return { path, release };
}
