// The PDK a JavaScript plugin sees: kong-pdk's surface, where every call returns a promise, over
// the in-process PDK. Calls resolve on the next microtask instead of a socket round trip. A call
// the in-process PDK has no answer for rejects (so the plugin fails that request) rather than
// quietly doing nothing.
import type { Kong } from '../pdk/types.js';

export class PDKError extends Error {
  override name = 'PDKError';
}

/** Cleared when the phase call is over (finished or timed out): late calls must not touch the request. */
export interface Guard {
  live: boolean;
}

// kong-pdk turns camelCase into Lua's snake_case; plugins may use either spelling.
const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

const LOG_LEVELS: Record<string, 'err' | 'warn' | 'notice' | 'info' | 'debug'> = {
  emerg: 'err', alert: 'err', crit: 'err', err: 'err', warn: 'warn', notice: 'notice', info: 'info', debug: 'debug',
};

const text = (args: unknown[]) => args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(' ');

type Fn = (...args: any[]) => unknown;
type Adapt = Record<string, (target: any, ...args: any[]) => unknown>;

// Results kong-pdk gives in another shape than the in-process PDK.
const ADAPT: Record<string, Adapt> = {
  'kong.request': {
    // kong-pdk hands bodies over as strings (its examples call .replace on them).
    getRawBody: async (t, ...a: unknown[]) => {
      const b = (await t.getRawBody(...a)) as Buffer | null;
      return b === null ? null : b.toString('utf8');
    },
  },
};

const LOG: Adapt = Object.fromEntries(Object.entries(LOG_LEVELS).map(([level, to]) => [level, (t, ...args: unknown[]) => t[to](text(args))]));
const CTX_SHARED: Adapt = {
  get: (shared, k: string) => shared[k],
  set: (shared, k: string, v: unknown) => void (shared[k] = v),
};

function namespace(guard: Guard, path: string, target: any, adapt: Adapt = ADAPT[path] ?? {}): object {
  const cache = new Map<string, Fn>();
  return new Proxy({}, {
    get(_, prop) {
      if (typeof prop !== 'string') return undefined;
      // Not a thenable: `await kong.request` must not call a method named then.
      if (prop === 'then') return undefined;
      let fn = cache.get(prop);
      if (fn) return fn;
      const name = camel(prop);
      const method = `${path}.${prop}`;
      const own = adapt[name];
      fn = (...args: unknown[]) => {
        if (!guard.live) return Promise.reject(new PDKError(`PDK method ${method} called after its phase ended`));
        try {
          if (own) return Promise.resolve(own(target, ...args));
          if (typeof target?.[name] !== 'function') return Promise.reject(new PDKError(`PDK method ${method} is not supported by hybridctl`));
          return Promise.resolve(target[name](...args));
        } catch (err) {
          return Promise.reject(err instanceof Error ? err : new PDKError(String(err)));
        }
      };
      cache.set(prop, fn);
      return fn;
    },
  });
}

/** `kong` for one phase call of one JS plugin; namespaces are made on first use. */
export function asyncPdk(kong: Kong, guard: Guard): Record<string, unknown> {
  const made = new Map<string, object>();
  const lazy = (path: string, target: () => unknown, adapt?: Adapt) => () => {
    let ns = made.get(path);
    if (!ns) made.set(path, (ns = namespace(guard, path, target(), adapt)));
    return ns;
  };
  const request = lazy('kong.request', () => kong.request);
  const response = lazy('kong.response', () => kong.response);
  const serviceRequest = lazy('kong.service.request', () => kong.service.request);
  // The upstream's response is only seen by a `response` handler, which hybridctl refuses at load.
  const serviceResponse = lazy('kong.service.response', () => null);
  const client = lazy('kong.client', () => kong.client);
  const router = lazy('kong.router', () => kong.router);
  const node = lazy('kong.node', () => kong.node);
  const log = lazy('kong.log', () => kong.log, LOG);
  const shared = lazy('kong.ctx.shared', () => kong.ctx.shared, CTX_SHARED);
  const nginx = lazy('kong.nginx', () => null);
  return {
    get request() { return request(); },
    get response() { return response(); },
    get service() { return { get request() { return serviceRequest(); }, get response() { return serviceResponse(); } }; },
    get client() { return client(); },
    get router() { return router(); },
    get node() { return node(); },
    get log() { return log(); },
    get ctx() { return { get shared() { return shared(); } }; },
    get nginx() { return nginx(); },
  };
}
