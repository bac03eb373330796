// The prefix's pid file: one holder, stale files taken over, removed only by its holder.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../helpers/cli.js';
import { acquirePidFile, pidFilePath, runningPid } from '../../../src/daemon/pid-file.js';

const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;

describe('pid file', () => {
  it('holds the pid alone in the file, refuses a second holder while the first runs, and leaves no temporary file', () => {
    const prefix = tempDir();
    const lock = acquirePidFile(prefix, 'cp');
    expect(readFileSync(pidFilePath(prefix), 'utf8')).toBe(`${process.pid}\n`);
    expect(() => acquirePidFile(prefix, 'dp', deadPid())).toThrow(`hybridctl is already running in ${prefix} (pid ${process.pid})`);
    expect(readdirSync(join(prefix, 'pids'))).toEqual(['hybridctl.pid']);
    lock.release();
    expect(existsSync(pidFilePath(prefix))).toBe(false);
  });

  it('takes over the file of a process that is gone, and an empty or garbled one', () => {
    for (const content of [`${deadPid()}\n`, '', 'not a pid\n']) {
      const prefix = tempDir();
      mkdirSync(join(prefix, 'pids'));
      writeFileSync(pidFilePath(prefix), content);
      expect(runningPid(prefix)).toBeNull();
      const lock = acquirePidFile(prefix, 'cp');
      expect(readFileSync(pidFilePath(prefix), 'utf8')).toBe(`${process.pid}\n`);
      lock.release();
    }
  });

  it('release leaves a file that names another process alone', () => {
    const prefix = tempDir();
    const lock = acquirePidFile(prefix, 'cp');
    writeFileSync(pidFilePath(prefix), '1\n');
    lock.release();
    expect(readFileSync(pidFilePath(prefix), 'utf8')).toBe('1\n');
  });
});
