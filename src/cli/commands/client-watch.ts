// inspect dataplanes --watch: on a terminal the table redraws in place every interval (watch(1));
// into a pipe or file a block, or a JSON line, is written only when something changed, so a log of
// it reads as a history of the fleet. Ctrl-C ends it with 130, as at a prompt.
import { UsageError, HybridError } from '../../errors.js';
import { UnreachableError } from '../../client/client.js';
import { changeKey, inspectDataPlanes, type DataPlaneReport } from '../../client/dataplanes.js';
import type { Io } from '../io.js';
import { positiveNumber } from '../options.js';
import { adminClient } from './client-sync.js';

export const DEFAULT_INTERVAL_S = 2;
/** Faster than this only loads the CP: data planes report at most every few seconds. */
const MIN_INTERVAL_S = 0.1;
const CLEAR = '\x1b[H\x1b[2J';

export function intervalOf(value: string | undefined, watch: boolean | undefined): number {
  if (value === undefined) return DEFAULT_INTERVAL_S;
  if (!watch) throw new UsageError('--interval only applies with --watch', { hint: 'add --watch, or drop --interval' });
  const n = positiveNumber('--interval', value)!;
  if (n < MIN_INTERVAL_S) throw new UsageError(`invalid value '${value}' for --interval; expected seconds, at least ${MIN_INTERVAL_S}`);
  return n;
}

/** Resolves at the first SIGINT; while it is pending, Ctrl-C no longer kills the process outright. */
function interrupted(): { promise: Promise<'interrupted'>; dispose: () => void } {
  let onInt = () => {};
  const promise = new Promise<'interrupted'>((resolve) => {
    onInt = () => resolve('interrupted');
    process.once('SIGINT', onInt);
  });
  return { promise, dispose: () => process.off('SIGINT', onInt) };
}

type Render = (r: DataPlaneReport, at: Date) => string;

export async function watchDataPlanes(flags: { cp?: string; output?: string; interval?: string; watch?: boolean }, io: Io, table: Render): Promise<number> {
  const seconds = intervalOf(flags.interval, true);
  const client = adminClient(flags.cp, io);
  const json = flags.output === 'json';
  const redraw = io.tty && !json;
  const stop = interrupted();
  let last: string | undefined;
  try {
    for (;;) {
      const at = io.now();
      let key: string;
      let show: () => void;
      try {
        const report = await Promise.race([inspectDataPlanes(client, at), stop.promise]);
        if (report === 'interrupted') return 130;
        key = changeKey(report);
        show = () => {
          if (json) io.out(JSON.stringify(report));
          else if (redraw) io.out(`${CLEAR}every ${seconds}s: hybridctl inspect dataplanes  ${at.toISOString()}\n\n${table(report, at)}`);
          else io.out(`${at.toISOString()}\n${table(report, at)}\n`);
        };
      } catch (err) {
        // The CP restarting or a network blip is something to watch through, not a reason to stop.
        if (!(err instanceof HybridError)) throw err;
        // Refused, then reset, then refused again is one outage, reported once.
        key = err instanceof UnreachableError ? 'unreachable' : `error:${err.message}`;
        show = () => {
          if (redraw) io.out(`${CLEAR}every ${seconds}s: hybridctl inspect dataplanes  ${at.toISOString()}\n\n${io.color.red('error:')} ${err.message}`);
          else io.err(`${at.toISOString()} error: ${err.message}`);
        };
      }
      if (redraw || key !== last) show();
      last = key;
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise((r) => (timer = setTimeout(r, seconds * 1000)));
      const woke = await Promise.race([tick, stop.promise]);
      clearTimeout(timer);
      if (woke === 'interrupted') return 130;
    }
  } finally {
    stop.dispose();
  }
}
