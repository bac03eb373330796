// Writes a set of files all-or-nothing: every target is checked first, each file is written to a
// temporary name beside its target with its final mode from the first byte, then all are renamed.
import { closeSync, existsSync, fchmodSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { RefusedError, InputError, errorMessage } from '../errors.js';

export interface OutputFile {
  path: string;
  contents: string | Uint8Array;
  /** 0o600 for private keys, 0o644 for certificates. */
  mode: number;
}

export function writeFilesAtomically(files: readonly OutputFile[], opts: { force?: boolean } = {}): void {
  if (!opts.force) {
    for (const f of files) {
      if (existsSync(f.path)) {
        throw new RefusedError(`${f.path} already exists; will not overwrite it`, { hint: 'pass --force to overwrite, or choose another path' });
      }
    }
  }
  const staged: { tmp: string; path: string }[] = [];
  try {
    for (const f of files) {
      const dir = dirname(f.path);
      try {
        mkdirSync(dir, { recursive: true, mode: 0o755 });
      } catch (err) {
        throw new InputError(`cannot create directory ${dir}: ${errorMessage(err)}`);
      }
      const tmp = join(dir, `.${basename(f.path)}.${randomBytes(6).toString('hex')}.tmp`);
      let fd: number;
      try {
        // 'wx' + mode: the file is born with its final permissions (umask can only narrow them,
        // and fchmod below restores the exact mode).
        fd = openSync(tmp, 'wx', f.mode);
      } catch (err) {
        throw new InputError(`cannot write ${f.path}: ${errorMessage(err)}`);
      }
      staged.push({ tmp, path: f.path });
      try {
        fchmodSync(fd, f.mode);
        const buf = typeof f.contents === 'string' ? Buffer.from(f.contents) : f.contents;
        let off = 0;
        while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    for (const s of staged) renameSync(s.tmp, s.path);
  } catch (err) {
    for (const s of staged) rmSync(s.tmp, { force: true });
    throw err;
  }
}
