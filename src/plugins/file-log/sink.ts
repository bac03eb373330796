// One append-only writer per path in this worker, shared by every file-log instance naming it
// (Kong keeps one descriptor per path). Lines queue in memory and go out in one write per turn,
// in order, so the request path never waits on the disk.
import { open, type FileHandle } from 'node:fs/promises';
import type { PluginLogger } from '../pdk/types.js';
import { describeError } from '../log-shared/errno.js';

/** Lines waiting for a slow disk, per path; past this they are dropped (and that is logged). */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;

// Kong's mode: rw-r--r-- (before the umask).
const MODE = 0o644;

class FileSink {
  private fh: FileHandle | null = null;
  private pending: string[] = [];
  private pendingBytes = 0;
  private reopen = false;
  private busy = false;
  private dropped = 0;

  constructor(private readonly path: string) {}

  append(line: string, reopen: boolean, log: PluginLogger): void {
    if (this.pendingBytes + line.length > MAX_PENDING_BYTES) {
      if (this.dropped++ === 0) log.err('writes are behind; dropping log lines until they catch up', { path: this.path });
      return;
    }
    this.pending.push(line);
    this.pendingBytes += line.length;
    this.reopen ||= reopen;
    if (!this.busy) void this.drain(log);
  }

  private async drain(log: PluginLogger): Promise<void> {
    this.busy = true;
    while (this.pending.length > 0) {
      const batch = this.pending.join('');
      this.pending = [];
      this.pendingBytes = 0;
      if (this.reopen && this.fh) {
        // Kong closes the cached descriptor first: a renamed or removed file gets a new one.
        await this.fh.close().catch(() => undefined);
        this.fh = null;
      }
      this.reopen = false;
      if (!this.fh) {
        try {
          this.fh = await open(this.path, 'a', MODE);
        } catch (err) {
          log.err(`failed to open the file: ${describeError(err)}`, { path: this.path });
          continue;
        }
      }
      try {
        await this.fh.write(batch);
      } catch (err) {
        log.err(`failed to write to the file: ${describeError(err)}`, { path: this.path });
      }
      if (this.dropped > 0) {
        log.warn(`${this.dropped} log lines were dropped while writes were behind`, { path: this.path });
        this.dropped = 0;
      }
    }
    this.busy = false;
  }
}

const sinks = new Map<string, FileSink>();

export function fileSink(path: string): FileSink {
  let s = sinks.get(path);
  if (!s) sinks.set(path, (s = new FileSink(path)));
  return s;
}
