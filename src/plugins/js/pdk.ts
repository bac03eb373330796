// The PDK a JavaScript plugin sees: kong-pdk's surface, where every call returns a promise, over
// the in-process PDK. Calls resolve on the next microtask instead of a socket round trip. A call
// the in-process PDK has no answer for rejects (so the plugin fails that request) rather than
// quietly doing nothing.
//
// Built for one object per phase call: each namespace is a small class whose prototype holds one
// wrapper per in-process method (made once per namespace, with kong-pdk's snake_case aliases),
// so a request pays a few allocations, not a proxy per namespace.
import type { Kong } from '../pdk/types.js';

export class PDKError extends Error {
  override name = 'PDKError';
}

/** Cleared when the phase call is over (finished or timed out): late calls must not touch the request. */
export interface Guard {
  live: boolean;
}

const snake = (name: string) => name.replace(/[a-z][A-Z]/g, (s) => `${s[0]}_${s[1]!.toLowerCase()}`);
const LOG_LEVELS: Record<string, 'err' | 'warn' | 'notice' | 'info' | 'debug'> = {
  emerg: 'err', alert: 'err', crit: 'err', err: 'err', warn: 'warn', notice: 'notice', info: 'info', debug: 'debug',
};
const text = (args: unknown[]) => args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(' ');

type Adapt = Record<string, (target: any, ...args: any[]) => unknown>;

// Calls kong-pdk answers in another shape than the in-process PDK, or that it has and the in-process PDK names differently.
const ADAPT: Record<string, Adapt> = {
  // kong-pdk hands bodies over as strings (its examples call .replace on them).
  'kong.request': {
    getRawBody: async (t, ...a: unknown[]) => {
      const b = (await t.getRawBody(...a)) as Buffer | null;
      return b === null ? null : b.toString('utf8');
    },
  },
  'kong.log': Object.fromEntries(Object.entries(LOG_LEVELS).map(([level, to]) => [level, (t, ...args: unknown[]) => t[to](text(args))])),
  'kong.ctx.shared': {
    get: (shared, k: string) => shared[k],
    set: (shared, k: string, v: unknown) => void (shared[k] = v),
  },
};

interface Ns {
  __t: any;
  __g: Guard;
}
type NsClass = new (target: unknown, guard: Guard) => Ns;

function methodsOf(target: unknown): string[] {
  const names = new Set<string>();
  for (let o = target; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const n of Object.getOwnPropertyNames(o)) if (n !== 'constructor' && typeof (target as Record<string, unknown>)[n] === 'function') names.add(n);
  }
  return [...names];
}

/** `name` as a plain method on the target's prototype chain (not its own, not a getter's result). */
function classMethod(target: unknown, name: string): ((...a: unknown[]) => unknown) | null {
  if (Object.prototype.hasOwnProperty.call(target, name)) return null;
  for (let o = Object.getPrototypeOf(target); o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    const d = Object.getOwnPropertyDescriptor(o, name);
    if (d) return typeof d.value === 'function' ? d.value : null;
  }
  return null;
}

function nsClass(path: string, target: unknown): NsClass {
  const C = class {
    constructor(readonly __t: unknown, readonly __g: Guard) {}
  } as unknown as NsClass;
  // Names the in-process PDK does not have end here, at the bottom of the prototype chain.
  const unknownName = new Proxy({}, {
    get(_, prop) {
      if (typeof prop !== 'string' || prop === 'then' || prop === 'toJSON') return undefined;
      return () => Promise.reject(new PDKError(`PDK method ${path}.${prop} is not supported by hybridctl`));
    },
  });
  Object.setPrototypeOf(C.prototype, unknownName);
  const adapt = ADAPT[path] ?? {};
  const define = (name: string, call: (self: Ns, args: unknown[]) => unknown) => {
    const fn = function (this: Ns, ...args: unknown[]) {
      if (!this.__g.live) return Promise.reject(new PDKError(`PDK method ${path}.${name} called after its phase ended`));
      try {
        return Promise.resolve(call(this, args));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new PDKError(String(err)));
      }
    };
    for (const alias of new Set([name, snake(name)])) Object.defineProperty(C.prototype, alias, { value: fn, writable: false, enumerable: false });
  };
  for (const name of methodsOf(target)) {
    if (adapt[name]) continue;
    // A method of the target's class is the same function for every target of this namespace
    // (ns() checks the prototype): called as it is, with no lookup by name per call (a lookup
    // shared by every method of a namespace is megamorphic). Own functions are looked up.
    const inherited = classMethod(target, name);
    define(name, inherited ? (self, args) => inherited.apply(self.__t, args) : (self, args) => self.__t[name](...args));
  }
  for (const [name, own] of Object.entries(adapt)) define(name, (self, args) => own(self.__t, ...args));
  return C;
}

/** One class per namespace and target prototype (the in-process PDK has one per namespace). */
const classes = new Map<string, { C: NsClass; proto: unknown }>();
function ns(path: string, target: unknown, guard: Guard): Ns {
  const proto = target === null ? null : Object.getPrototypeOf(target);
  let entry = classes.get(path);
  if (!entry || entry.proto !== proto) classes.set(path, (entry = { C: nsClass(path, target), proto }));
  return new entry.C(target, guard);
}

class AsyncService {
  private req?: Ns;
  private res?: Ns;
  constructor(private readonly k: Kong, private readonly g: Guard) {}
  get request() { return (this.req ??= ns('kong.service.request', this.k.service.request, this.g)); }
  // The upstream's response is only seen by a `response` handler, which hybridctl refuses at load.
  get response() { return (this.res ??= ns('kong.service.response', null, this.g)); }
}

/** `kong` for one phase call of one JS plugin; namespaces are made on first use. */
export class AsyncKong {
  private req?: Ns;
  private res?: Ns;
  private svc?: AsyncService;
  private cli?: Ns;
  private rtr?: Ns;
  private nd?: Ns;
  private lg?: Ns;
  private cx?: { shared: Ns };
  private ngx?: Ns;
  constructor(private readonly k: Kong, private readonly g: Guard) {}
  get request() { return (this.req ??= ns('kong.request', this.k.request, this.g)); }
  get response() { return (this.res ??= ns('kong.response', this.k.response, this.g)); }
  get service() { return (this.svc ??= new AsyncService(this.k, this.g)); }
  get client() { return (this.cli ??= ns('kong.client', this.k.client, this.g)); }
  get router() { return (this.rtr ??= ns('kong.router', this.k.router, this.g)); }
  get node() { return (this.nd ??= ns('kong.node', this.k.node, this.g)); }
  get log() { return (this.lg ??= ns('kong.log', this.k.log, this.g)); }
  get ctx() { return (this.cx ??= { shared: ns('kong.ctx.shared', this.k.ctx.shared, this.g) }); }
  get nginx() { return (this.ngx ??= ns('kong.nginx', null, this.g)); }
}

export const asyncPdk = (kong: Kong, guard: Guard): AsyncKong => new AsyncKong(kong, guard);
