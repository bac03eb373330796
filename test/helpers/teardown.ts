// Ends a helper's server with the test that started it, or with the test file when it was started
// in beforeAll (onTestFinished only works inside a test; this module is evaluated once per file, so
// its afterAll belongs to the file). A worker that exits without running hooks still kills them.
import { afterAll, onTestFinished } from 'vitest';

export interface Owned {
  /** Graceful or not, but waits until the server is gone and its files are removed. */
  destroy(): Promise<void>;
  /** Synchronous last resort for process exit: signal the server, remove its files. */
  kill(): void;
}

const live = new Set<Owned>();
afterAll(async () => {
  for (const r of [...live]) await end(r);
});
process.once('exit', () => {
  for (const r of live) r.kill();
});

async function end(r: Owned): Promise<void> {
  if (!live.delete(r)) return;
  await r.destroy();
}

/** Registers `r` for cleanup; the returned function ends it early (and only once). */
export function owned(r: Owned): () => Promise<void> {
  live.add(r);
  try {
    onTestFinished(() => end(r));
  } catch {
    /* outside a test: the afterAll above ends it with the file */
  }
  return () => end(r);
}
