// Counters shared by a data plane's proxy workers, the way Kong's shared dictionaries are shared by
// nginx workers: with one worker they live in it; with several, in the sync process, where each
// check-and-count is atomic, so a limit holds for the whole node, not per worker. A worker sends the
// steps its requests ask for in one turn of its event loop as one message, answered by one.
import type { SharedCounters, TakeResult } from '../pdk/types.js';

interface Slot { value: number; expires: number }

/** The store itself: lives in the worker (one worker) or in the sync process (several). */
export class CounterStore {
  private slots = new Map<string, Slot>();
  private sweepAt = 0;

  increment(keys: readonly { key: string; ttlSec: number }[], by: number, now = Date.now()): number[] {
    this.sweep(now);
    return keys.map(({ key, ttlSec }) => {
      let s = this.slots.get(key);
      if (!s || s.expires <= now) {
        s = { value: 0, expires: now + ttlSec * 1000 };
        this.slots.set(key, s);
      }
      s.value += by;
      return s.value;
    });
  }

  take(keys: readonly { key: string; ttlSec: number; limit: number }[], now = Date.now()): TakeResult {
    // One pass to check, one to count: no arrays but the values, as this runs on every request.
    const values = new Array<number>(keys.length);
    let allowed = true;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const s = this.slots.get(k.key);
      const v = s !== undefined && s.expires > now ? s.value : 0;
      values[i] = v;
      if (v >= k.limit) allowed = false;
    }
    if (!allowed) return { allowed, values };
    this.sweep(now);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      let s = this.slots.get(k.key);
      if (s === undefined || s.expires <= now) {
        s = { value: 0, expires: now + k.ttlSec * 1000 };
        this.slots.set(k.key, s);
      }
      values[i] = ++s.value;
    }
    return { allowed, values };
  }

  peek(keys: readonly string[], now = Date.now()): number[] {
    return keys.map((k) => {
      const s = this.slots.get(k);
      return s && s.expires > now ? s.value : 0;
    });
  }

  get size(): number {
    return this.slots.size;
  }

  private sweep(now: number): void {
    if (now < this.sweepAt) return;
    this.sweepAt = now + 10_000;
    for (const [k, s] of this.slots) if (s.expires <= now) this.slots.delete(k);
  }
}

export function localCounters(store = new CounterStore()): SharedCounters {
  return { increment: (keys, by) => store.increment(keys, by), peek: (keys) => store.peek(keys), take: (keys) => store.take(keys) };
}

type CounterOp =
  | { op: 'increment'; keys: { key: string; ttlSec: number }[]; by: number }
  | { op: 'peek'; keys: string[] }
  | { op: 'take'; keys: { key: string; ttlSec: number; limit: number }[] };
export type CounterRequest = { t: 'counters'; id: number } & (CounterOp | { op: 'batch'; ops: CounterOp[] });
interface CounterAnswer { values: number[]; allowed?: boolean }
export type CounterReply = { t: 'counters'; id: number; values: number[]; allowed?: boolean; batch?: CounterAnswer[] };

/** In a proxy worker: counters held by the sync process, over the worker's IPC channel. */
export function ipcCounters(send: (m: CounterRequest) => void, onReply: (fn: (m: CounterReply) => void) => void): SharedCounters {
  let next = 1;
  const waiting = new Map<number, (r: CounterReply) => void>();
  onReply((m) => {
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    w(m);
  });
  // Steps asked for until the event loop's next check phase, in order: every request that came in
  // with the same poll shares one round trip (and its two messages) instead of one each.
  let queued: { op: CounterOp; resolve: (a: CounterAnswer) => void }[] | null = null;
  const flush = () => {
    const q = queued!;
    queued = null;
    const id = next++;
    waiting.set(id, (r) => {
      for (let i = 0; i < q.length; i++) q[i]!.resolve(r.batch?.[i] ?? { values: [] });
    });
    send({ t: 'counters', id, op: 'batch', ops: q.map((x) => x.op) });
  };
  const ask = (op: CounterOp) => new Promise<CounterAnswer>((resolve) => {
    if (queued === null) {
      queued = [];
      setImmediate(flush);
    }
    queued.push({ op, resolve });
  });
  return {
    increment: (keys, by) => ask({ op: 'increment', keys: [...keys], by }).then((r) => r.values),
    peek: (keys) => ask({ op: 'peek', keys: [...keys] }).then((r) => r.values),
    take: (keys) => ask({ op: 'take', keys: [...keys] }).then((r) => ({ allowed: r.allowed === true, values: r.values })),
  };
}

function answer(store: CounterStore, m: CounterOp): CounterAnswer {
  if (m.op === 'take') return store.take(m.keys);
  return { values: m.op === 'increment' ? store.increment(m.keys, m.by) : store.peek(m.keys) };
}

/** In the sync process: answers a worker's counter request, each step of a batch in order. */
export function answerCounters(store: CounterStore, m: CounterRequest): CounterReply {
  if (m.op === 'batch') return { t: 'counters', id: m.id, values: [], batch: m.ops.map((op) => answer(store, op)) };
  return { t: 'counters', id: m.id, ...answer(store, m) };
}
