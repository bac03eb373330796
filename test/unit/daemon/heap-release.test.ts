// The collection after a config swap: it frees what the previous config left (an idle process
// would not), once swaps quiet, and still under a constant stream of swaps.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { heapRelease } from '../../../src/daemon/heap-release.js';

const collecting = () => {
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', write: (l) => lines.push(l) });
  const runs = () => lines.filter((l) => l.includes('collected the previous configuration')).length;
  return { log, lines, runs };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('heapRelease', () => {
  it('collects the previous config once swaps have quieted, without a global gc()', async () => {
    const c = collecting();
    const release = heapRelease(c.log, { quietMs: 50, maxWaitMs: 1000 });
    // What a swapped-out config is: unreachable, and nothing allocates afterwards to collect it.
    let previous: { rows: unknown[] } | null = { rows: Array.from({ length: 1000 }, (_, i) => ({ i })) };
    const ref = new WeakRef(previous);
    previous = null;
    release.afterSwap();
    release.afterSwap();
    await sleep(20);
    expect(c.runs()).toBe(0);
    await sleep(200);
    expect(c.runs()).toBe(1);
    expect(ref.deref()).toBeUndefined();
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });

  it('still collects under a swap every 20 ms, at most once per maxWaitMs', async () => {
    const c = collecting();
    const release = heapRelease(c.log, { quietMs: 100, maxWaitMs: 150 });
    const end = Date.now() + 600;
    while (Date.now() < end) {
      release.afterSwap();
      await sleep(20);
    }
    release.cancel();
    expect(c.runs()).toBeGreaterThanOrEqual(2);
    expect(c.runs()).toBeLessThanOrEqual(5);
  });
});
