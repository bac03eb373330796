// A kong-pdk plugin module (exported Plugin class, Schema, Version, Priority) as a PluginModule:
// one `new Plugin(config)` per plugin instance and config swap, phase methods called with the
// promise-returning PDK, each call bounded by the timeout so a hung handler fails its request only.
import type { Kong } from '../pdk/types.js';
import type { Handler, PluginModule, Settles } from '../types.js';
import { convertSchema } from './schema.js';
import { asyncPdk, type Guard } from './pdk.js';

export class JsPluginError extends Error {}

/** Phases kong-pdk knows that the in-process runtime does not run, with why. */
const REFUSED: Record<string, string> = {
  certificate: 'the certificate phase is not run for JavaScript plugins',
  preread: 'stream phases are not run (there is no stream proxy)',
  response: "the response phase (Kong's buffered proxying) is not run; set response headers in access",
};

export interface JsPluginModule extends PluginModule<Holder> {
  /** Where it was loaded from: proxy workers load the same file. */
  file: string;
  timeoutMs: number;
}

type PluginInstance = Record<string, ((kong: unknown) => unknown) | undefined>;
type PhaseMethod = ((kong: unknown) => unknown) | undefined;
interface Holder {
  instance: PluginInstance | null;
  /** The constructor's throw: every request through this instance fails with it, as a failed StartInstance does in Kong. */
  error: unknown;
  // The instance's phase methods, looked up once when it is made (a lookup by phase name per call
  // is megamorphic: every plugin's instance and phase go through it).
  rewrite: PhaseMethod;
  access: PhaseMethod;
  log: PhaseMethod;
}

const isThenable = (v: unknown): v is Promise<unknown> => typeof v === 'object' && v !== null && typeof (v as Promise<unknown>).then === 'function';

// One sweep timer for every pending phase call instead of a timer per call: a request then pays an
// array push and a swap-remove (no hashing, nothing kept once settled), and timeouts fire within
// SWEEP_MS of their deadline.
const SWEEP_MS = 10;
const pending: Bounded[] = [];
let sweeper: NodeJS.Timeout | null = null;

function sweep(): void {
  const now = performance.now();
  // Backwards: a settle removes its call by moving the last one into its place (and may start
  // the next phase call, which is pushed at the end, past this walk).
  for (let i = pending.length - 1; i >= 0; i--) {
    const b = pending[i];
    if (b && b.deadline <= now) b.settle({ err: new JsPluginError(`${b.phase} did not finish within ${b.ms} ms (js_plugins_timeout)`) });
  }
  if (pending.length === 0 && sweeper) {
    clearInterval(sweeper);
    sweeper = null;
  }
}

/**
 * A phase call bounded by the timeout, as the thenable the runtime waits on: settled once, by the
 * call or by the sweep, and the phase is over for the PDK either way. Not a promise: the runtime
 * (or an await) hands it its callbacks once, and a request pays no extra promise and microtask.
 */
class Bounded implements Settles {
  readonly deadline: number;
  private done = false;
  /** Where it is in `pending` while unsettled. */
  private at: number;
  private ok: (() => void) | null = null;
  private fail: ((err: unknown) => void) | null = null;
  /** Settled before anyone waited: null fulfilled, else the error. */
  private early: { err: unknown } | null | undefined;

  constructor(work: PromiseLike<unknown>, readonly ms: number, readonly phase: string, private readonly guard: Guard) {
    this.deadline = performance.now() + ms;
    this.at = pending.push(this) - 1;
    if (!sweeper) (sweeper = setInterval(sweep, SWEEP_MS)).unref();
    work.then(() => this.settle(null), (err: unknown) => this.settle({ err }));
  }

  settle(r: { err: unknown } | null): void {
    if (this.done) return;
    this.done = true;
    const last = pending.pop()!;
    if (last !== this) {
      pending[this.at] = last;
      last.at = this.at;
    }
    this.guard.live = false;
    if (this.ok === null) this.early = r;
    else if (r) this.fail!(r.err);
    else this.ok();
  }

  then(onOk: () => void, onErr: (err: unknown) => void): void {
    const e = this.early;
    if (e !== undefined) return queueMicrotask(() => (e ? onErr(e.err) : onOk()));
    this.ok = onOk;
    this.fail = onErr;
  }
}

function run(h: Holder, method: PhaseMethod, kong: Kong, phase: string, ms: number): void | Settles {
  if (!h.instance) throw h.error;
  const guard: Guard = { live: true };
  let r: unknown;
  try {
    r = method!.call(h.instance, asyncPdk(kong, guard));
  } catch (err) {
    guard.live = false;
    throw err;
  }
  if (!isThenable(r)) {
    guard.live = false;
    return;
  }
  return new Bounded(r, ms, phase, guard);
}

/** The PluginModule for one loaded file's exports, or a JsPluginError saying what is missing. */
export function adaptModule(name: string, file: string, exports: Record<string, unknown>, timeoutMs: number): JsPluginModule {
  const Plugin = exports.Plugin as (new (config: unknown) => PluginInstance) | undefined;
  if (typeof Plugin !== 'function' || typeof Plugin.prototype !== 'object') throw new JsPluginError('exports no Plugin class (kong-pdk: module.exports = { Plugin, Schema, Version, Priority })');
  if (typeof exports.Version !== 'string' || exports.Version === '') throw new JsPluginError('exports no Version string (data planes report it to the control plane)');
  const priority = exports.Priority ?? 0;
  if (typeof priority !== 'number' || !Number.isFinite(priority)) throw new JsPluginError('Priority must be a number');
  const has = (phase: string) => typeof (Plugin.prototype as PluginInstance)[phase] === 'function';
  for (const [phase, why] of Object.entries(REFUSED)) if (has(phase)) throw new JsPluginError(`defines ${phase}(): ${why}`);
  let schema;
  try {
    schema = convertSchema(exports.Schema);
  } catch (err) {
    throw new JsPluginError(`Schema: ${(err as Error).message}`);
  }
  const rewrite: Handler<Holder> = (kong, h) => run(h, h.rewrite, kong, 'rewrite', timeoutMs);
  const access: Handler<Holder> = (kong, h) => run(h, h.access, kong, 'access', timeoutMs);
  return {
    name,
    version: exports.Version,
    priority,
    schema,
    file,
    timeoutMs,
    compile: (config) => {
      try {
        const instance = new Plugin(structuredClone(config));
        return { instance, error: null, rewrite: instance.rewrite, access: instance.access, log: instance.log };
      } catch (err) {
        return { instance: null, error: err, rewrite: undefined, access: undefined, log: undefined };
      }
    },
    rewrite: has('rewrite') ? rewrite : undefined,
    access: has('access') ? access : undefined,
    // Kong runs external log handlers after the response, in a timer: failures are only logged.
    log: has('log')
      ? (kong, h) => {
          const r = run(h, h.log, kong, 'log', timeoutMs);
          r?.then(() => undefined, (err: unknown) => kong.log.err(`log phase failed: ${err instanceof Error ? err.message : String(err)}`));
        }
      : undefined,
  };
}
