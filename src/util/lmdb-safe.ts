// The one way this project opens an LMDB environment (the CP store, the DP config cache): look at
// the directory and its data file first (lmdb-check), and only hand LMDB something it can map
// without dying. What to do with damage is the caller's decision: the CP refuses to start, the DP
// moves its cache aside; both need to know which file and why.
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, renameSync, statSync, statfsSync, writeSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { errorMessage } from '../errors.js';
import { EMPTY, lmdbDataFileProblem } from './lmdb-check.js';

export type LmdbDirState =
  /** Nothing at the path: a first start. */
  | { kind: 'absent' }
  /** A directory holding no data file (at most a lock file): LMDB will create one. */
  | { kind: 'empty' }
  | { kind: 'ok' }
  /** `file` is what is wrong: the path itself, or its data.mdb; `empty`: a data file of 0 bytes. */
  | { kind: 'damaged'; file: string; reason: string; empty?: boolean };

const LOCK_FILE = 'lock.mdb';
const DATA_FILE = 'data.mdb';

export function inspectLmdbDir(dir: string): LmdbDirState {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) return { kind: 'damaged', file: dir, reason: 'is a file, not an LMDB directory' };
    entries = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    return { kind: 'damaged', file: dir, reason: `cannot be read (${errorMessage(err)})` };
  }
  if (!entries.includes(DATA_FILE)) {
    const other = entries.filter((e) => e !== LOCK_FILE);
    if (other.length === 0) return { kind: 'empty' };
    return { kind: 'damaged', file: dir, reason: `is not an LMDB directory (no ${DATA_FILE}; holds ${other.slice(0, 3).join(', ')}${other.length > 3 ? ', …' : ''})` };
  }
  const file = join(dir, DATA_FILE);
  const reason = lmdbDataFileProblem(file);
  return reason ? { kind: 'damaged', file, reason, ...(reason.startsWith(EMPTY) ? { empty: true } : {}) } : { kind: 'ok' };
}

/** Renames a damaged environment out of the way (never deletes it: it may be all that is left). */
export function moveAside(path: string, tag = 'corrupt'): string {
  const aside = `${path}.${tag}-${Date.now()}`;
  renameSync(path, aside);
  return aside;
}

// LMDB sizes its lock file with ftruncate and then writes it through a shared mapping; on a full
// disk the first store into a page that was never allocated is a SIGBUS. Writing the bytes first
// makes every page real (LMDB then truncates the file to the size it wants), and a full disk
// becomes an ENOSPC we can report.
const LOCK_RESERVE = 64 * 1024;
function reserveLockFile(dir: string): void {
  const file = join(dir, LOCK_FILE);
  let fd: number;
  try {
    fd = openSync(file, 'r+');
  } catch {
    fd = openSync(file, 'w', 0o600);
  }
  try {
    const st = fstatSync(fd);
    if (st.size > 0 && st.blocks * 512 >= st.size) return;
    const zeros = Buffer.alloc(Math.max(LOCK_RESERVE, st.size));
    let off = 0;
    while (off < zeros.length) off += writeSync(fd, zeros, off, zeros.length - off, off);
  } finally {
    closeSync(fd);
  }
}

export interface LmdbOpenOptions {
  encoding: 'binary' | 'string';
}

/**
 * Opens (creating if needed) the environment in `dir`, which the caller has inspected. The
 * directory is private (0700) before LMDB creates anything in it: both stores hold credentials.
 * Throws an Error that names the directory and, on a full disk, says so.
 */
export function openLmdbEnv<V>(dir: string, opts: LmdbOpenOptions): RootDatabase<V, string> {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    reserveLockFile(dir);
    return open<V, string>({ path: dir, noSubdir: false, encoding: opts.encoding, compression: false });
  } catch (err) {
    throw storageError(`cannot open ${dir}`, dir, err);
  }
}

/** An Error for a failed LMDB or file operation that names the path and the likely cause. */
export function storageError(what: string, path: string, err: unknown): Error & { code?: string | number } {
  const e = err as NodeJS.ErrnoException & { code?: string | number };
  // LMDB's page flush prints "Write error: … size N" to stderr with no newline before it fails
  // with this text (mdb.c, mdb_page_flush): end that line so the next log line starts whole.
  if (/Attempting to write page at position/.test(errorMessage(err))) process.stderr.write('\n');
  const full = diskFull(path, e);
  const out = new Error(`${what}: ${errorMessage(err)}${full ? ' (the disk is full)' : ''}`, { cause: err }) as Error & { code?: string | number };
  out.code = full ? 'ENOSPC' : e?.code;
  return out;
}

/** LMDB reports a write to a full disk as EIO (a failed pwrite) or ENOSPC: look at the disk too. */
export function diskFull(path: string, err?: { code?: unknown }): boolean {
  if (err?.code === 'ENOSPC' || err?.code === 28) return true;
  for (let p = path; p.length > 1; p = p.slice(0, Math.max(p.lastIndexOf('/'), 1))) {
    try {
      const s = statfsSync(p);
      return s.bavail * s.bsize < 64 * 1024;
    } catch {
      // not there (yet): ask its parent
    }
  }
  return false;
}
