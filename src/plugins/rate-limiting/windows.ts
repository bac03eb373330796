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
