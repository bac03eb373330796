// The bookkeeping behind js_plugins_timeout: many phase calls in flight at once, settling in any
// order, some never. Each call hears exactly one outcome: its own result if it settled in time,
// the timeout otherwise, and nothing from a late settle.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { adaptModule } from '../../../src/plugins/js/module.js';
import type { Kong } from '../../../src/plugins/pdk/types.js';

const TIMEOUT_MS = 40;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('JS phase calls bounded by js_plugins_timeout', () => {
  it('each of many concurrent calls ends once, by its own settle or by the timeout', async () => {
    await fc.assert(fc.asyncProperty(
      // Per call: starts after `start` ms, settles `after` ms later (or fails instead), or never (null).
      fc.array(fc.record({ start: fc.integer({ min: 0, max: 15 }), after: fc.option(fc.integer({ min: 0, max: 10 }), { nil: null }), rejects: fc.boolean() }), { minLength: 1, maxLength: 60 }),
      async (calls) => {
        const releases: (() => void)[] = [];
        let current = calls[0]!;
        class Plugin {
          access(): Promise<void> {
            const c = current;
            let release!: () => void;
            const p = new Promise<void>((ok, fail) => { release = () => (c.rejects ? fail(new Error('no')) : ok()); });
            releases.push(release);
            if (c.after !== null) setTimeout(release, c.after);
            return p;
          }
        }
        const m = adaptModule('t', '/t.js', { Plugin, Version: '1.0.0' }, TIMEOUT_MS);
        const holder = m.compile!({}, { id: '', route: null, service: null, consumer: null } as never);
        const heard: string[][] = calls.map(() => []);
        // Started in the order of their start times, so settles and new calls interleave.
        const order = calls.map((c, i) => ({ c, i })).sort((a, b) => a.c.start - b.c.start);
        let now = 0;
        for (const { c, i } of order) {
          if (c.start > now) await sleep(c.start - now);
          now = c.start;
          current = c;
          const r = m.access!({} as Kong, holder as never) as { then(ok: () => void, fail: (e: unknown) => void): void };
          r.then(() => heard[i]!.push('ok'), (e) => heard[i]!.push(String((e as Error).message)));
        }
        await sleep(TIMEOUT_MS + 60);
        // Late settles of the hung calls must change nothing.
        releases.forEach((r) => r());
        await sleep(5);
        calls.forEach((c, i) => {
          const want = c.after === null ? 'access did not finish within 40 ms (js_plugins_timeout)' : c.rejects ? 'no' : 'ok';
          expect(heard[i]).toEqual([want]);
        });
      },
    ), { numRuns: 25 });
  });
});
