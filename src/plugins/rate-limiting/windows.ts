// Kong's rate-limiting windows: each period starts on the UTC calendar (second, minute, hour, day,
// the 1st of the month, 1 January) and lasts a fixed number of seconds for the Reset header.
import type { Period } from './schema.js';

export const WINDOW_SEC: Record<Period, number> = { second: 1, minute: 60, hour: 3600, day: 86400, month: 2592000, year: 31536000 };

export function periodStart(period: Period, now: number): number {
  switch (period) {
    case 'second': return now - (now % 1000);
    case 'minute': return now - (now % 60_000);
    case 'hour': return now - (now % 3_600_000);
    case 'day': return now - (now % 86_400_000);
    case 'month': {
      const d = new Date(now);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    }
    case 'year': return Date.UTC(new Date(now).getUTCFullYear(), 0, 1);
  }
}

/** Seconds until the window ends, at least 1 (Kong's RateLimit-Reset and Retry-After). */
export function resetSeconds(period: Period, start: number, now: number): number {
  return Math.max(1, WINDOW_SEC[period] - Math.floor((now - start) / 1000));
}

export interface CounterKey { key: string; ttlSec: number; limit: number }

/**
 * One plugin instance's current windows and the counter keys of each identifier in them. Every
 * period starts on a whole second, so nothing changes within a second: the calendar work and the
 * key strings are done once per second (per identifier), not per request, and a key reused as
 * the same string keeps its hash for the counter map.
 */
export class Windows {
  private second = -1;
  starts: number[] = [];
  private keys = new Map<string, CounterKey[]>();

  constructor(private readonly limits: readonly { period: Period; limit: number }[], private readonly scope: string) {}

  /** The keys of `id` for the windows `now` falls in; `starts` are those windows' starts. */
  at(now: number, id: string): CounterKey[] {
    const second = now - (now % 1000);
    if (second !== this.second) {
      this.second = second;
      this.starts = this.limits.map((l) => periodStart(l.period, now));
      // Made again each second (a window may have turned), which also bounds the map.
      this.keys = new Map();
    }
    let k = this.keys.get(id);
    if (!k) {
      // Identifiers may come from clients (limit_by header): a second's worth is kept, at most this many.
      if (this.keys.size >= 10_000) this.keys = new Map();
      k = this.limits.map((l, i) => ({ key: `ratelimit:${this.scope}:${id}:${this.starts[i]}:${l.period}`, ttlSec: WINDOW_SEC[l.period], limit: l.limit }));
      this.keys.set(id, k);
    }
    return k;
  }
}
