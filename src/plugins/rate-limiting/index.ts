// rate-limiting (Kong 3.10 kong/plugins/rate-limiting): fixed windows per period, counted per
// identifier in counters every proxy worker of the data plane shares, so a limit holds for the
// whole node whatever the number of workers. A request over any limit is refused and not counted.
import { KONG_PROTOCOL_VERSION } from '../../version.js';
import type { PluginModule } from '../types.js';
import type { Kong, TakeResult } from '../pdk/types.js';
import { PERIODS, schema, type Period } from './schema.js';
import { Windows, resetSeconds } from './windows.js';

const ZERO = '00000000-0000-0000-0000-000000000000';
const NAME: Record<Period, string> = { second: 'Second', minute: 'Minute', hour: 'Hour', day: 'Day', month: 'Month', year: 'Year' };

interface Conf {
  limits: { period: Period; limit: number; limitValue: string; limitHeader: string; remainingHeader: string }[];
  limitBy: string;
  headerName: string | null;
  path: string | null;
  hideHeaders: boolean;
  errorCode: number;
  errorMessage: string;
  faultTolerant: boolean;
  /** Counter keys with the scope ids Kong's local policy puts in them, per window and identifier. */
  windows: Windows;
}

function identifier(kong: Kong, conf: Conf): string {
  let id: unknown = null;
  switch (conf.limitBy) {
    case 'service': id = kong.router.getService()?.id; break;
    case 'consumer': id = kong.client.getConsumer()?.id ?? kong.client.getCredential()?.id; break;
    case 'credential': id = kong.client.getCredential()?.id; break;
    case 'header': id = conf.headerName ? kong.request.getHeader(conf.headerName) : null; break;
    case 'path': id = conf.path !== null && kong.request.getPath() === conf.path ? conf.path : null; break;
  }
  return typeof id === 'string' && id !== '' ? id : kong.client.getForwardedIp();
}

function conclude(kong: Kong, conf: Conf, starts: readonly number[], now: number, r: TakeResult): void {
  if (!conf.hideHeaders) {
    const res = kong.response;
    const limits = conf.limits;
    let lowest = 0;
    let lowestRemaining = Infinity;
    let lowestValue = '';
    for (let i = 0; i < limits.length; i++) {
      const l = limits[i]!;
      const remaining = Math.max(0, l.limit - r.values[i]!);
      const value = String(remaining);
      res.setHeader(l.limitHeader, l.limitValue);
      res.setHeader(l.remainingHeader, value);
      // Ties go to the longer window, which comes later in the list.
      if (remaining <= lowestRemaining) {
        lowestRemaining = remaining;
        lowestValue = value;
        lowest = i;
      }
    }
    const l = limits[lowest]!;
    const reset = String(resetSeconds(l.period, starts[lowest]!, now));
    res.setHeader('RateLimit-Limit', l.limitValue);
    res.setHeader('RateLimit-Remaining', lowestValue);
    res.setHeader('RateLimit-Reset', reset);
    if (!r.allowed) res.setHeader('Retry-After', reset);
  }
  if (!r.allowed) kong.response.error(conf.errorCode, conf.errorMessage);
}

export const rateLimiting: PluginModule<Conf> = {
  name: 'rate-limiting',
  version: KONG_PROTOCOL_VERSION,
  priority: 910,
  schema,
  compile(c, ctx) {
    const limits = PERIODS.filter((p) => typeof c[p] === 'number').map((p) => ({
      period: p, limit: c[p] as number, limitValue: String(c[p]), limitHeader: `X-RateLimit-Limit-${NAME[p]}`, remainingHeader: `X-RateLimit-Remaining-${NAME[p]}`,
    }));
    return {
      limits,
      limitBy: c.limit_by as string,
      headerName: (c.header_name as string | null) ?? null,
      path: (c.path as string | null) ?? null,
      hideHeaders: c.hide_client_headers === true,
      errorCode: c.error_code as number,
      errorMessage: c.error_message as string,
      faultTolerant: c.fault_tolerant !== false,
      windows: new Windows(limits, `${ctx.route ?? ZERO}:${ctx.service ?? ZERO}`),
    };
  },
  access(kong, conf) {
    const now = Date.now();
    const keys = conf.windows.at(now, identifier(kong, conf));
    // Taken before the wait: a window that turns meanwhile must not change the Reset header.
    const starts = conf.windows.starts;
    const r = kong.counters.take(keys);
    if (r instanceof Promise) {
      return r.then((v) => conclude(kong, conf, starts, now, v), (err: unknown) => {
        // Kong's fault_tolerant: a failing counter store lets traffic through without headers.
        if (!conf.faultTolerant) throw err;
        kong.log.err(`failed to get usage: ${err instanceof Error ? err.message : String(err)}`);
      });
    }
    conclude(kong, conf, starts, now, r);
  },
};
