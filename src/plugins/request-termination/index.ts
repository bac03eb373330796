// request-termination (Kong 3.10 kong/plugins/request-termination): answers requests itself with
// a fixed status and message or body, or echoes the request back (optionally only when a trigger
// header or query argument is present).
import { hostname } from 'node:os';
import { KONG_PROTOCOL_VERSION } from '../../version.js';
import type { PluginModule } from '../types.js';
import type { Kong } from '../pdk/types.js';
import { bool, int, str } from '../schema/types.js';

interface Conf {
  status_code: number;
  message: string | null;
  content_type: string | null;
  body: string | null;
  echo: boolean;
  trigger: string | null;
}

// Kong's own table for this plugin (not kong.response.error's: 502 and 503 differ).
const DEFAULT_RESPONSE: Record<number, string> = {
  401: 'Unauthorized',
  404: 'Not found',
  405: 'Method not allowed',
  500: 'An unexpected error occurred',
  502: 'Bad Gateway',
  503: 'Service unavailable',
};

const present = (v: unknown) => typeof v === 'string' && v.length > 0;

/** typedefs.header_name, with Kong's messages. */
function headerName(v: string): string | null {
  if (v === '') return 'no header name provided';
  return /^[a-zA-Z0-9\-_]+$/.test(v) ? null : `bad header name '${v}', allowed characters are A-Z, a-z, 0-9, '_', and '-'`;
}

// Kong's request headers table: names case-insensitive, `_` read as `-`; query names exact.
function triggered(kong: Kong, trigger: string): boolean {
  if (kong.request.getHeader(trigger) !== undefined) return true;
  if (trigger.includes('_') && kong.request.getHeader(trigger.replace(/_/g, '-')) !== undefined) return true;
  return kong.request.getQuery()[trigger] !== undefined;
}

async function echo(kong: Kong, conf: Conf): Promise<void> {
  const raw = await kong.request.getRawBody();
  const parsed = await kong.request.getBody();
  const message = conf.message ?? DEFAULT_RESPONSE[conf.status_code];
  kong.response.exit(conf.status_code, {
    ...(message !== undefined ? { message } : {}),
    kong: { node_id: kong.node.getId(), worker_pid: process.pid, hostname: hostname() },
    request: {
      scheme: kong.request.getScheme(),
      host: kong.request.getHost(),
      port: kong.request.getPort(),
      headers: kong.request.getHeaders(),
      query: kong.request.getQuery(),
      ...(parsed ? { body: parsed.value } : {}),
      raw_body: raw ? raw.toString('utf8') : '',
      method: kong.request.getMethod(),
      path: kong.request.getPath(),
      uri_captures: kong.request.getUriCaptures(),
    },
    matched_route: kong.router.getRoute(),
    matched_service: kong.router.getService(),
  });
}

export const requestTermination: PluginModule<Conf> = {
  name: 'request-termination',
  version: KONG_PROTOCOL_VERSION,
  priority: 2,
  schema: {
    fields: [
      ['status_code', int({ required: true, default: 503, between: [100, 599] })],
      ['message', str()],
      ['content_type', str()],
      ['body', str()],
      ['echo', bool({ required: true, default: false })],
      ['trigger', str({ check: headerName })],
    ],
    // Kong's custom_validator on config: its message sits on `config` itself.
    entityChecks: [
      (c) => {
        if (present(c.message) && (present(c.content_type) || present(c.body))) return 'message cannot be used with content_type or body';
        if (present(c.content_type) && !present(c.body)) return 'content_type requires a body';
        if (c.echo === true && (present(c.content_type) || present(c.body))) return 'echo cannot be used with content_type and body';
        return null;
      },
    ],
  },
  access(kong, conf) {
    if (conf.trigger && !triggered(kong, conf.trigger)) return;
    if (conf.echo) return echo(kong, conf);
    if (conf.body !== null) {
      kong.response.exit(conf.status_code, conf.body, conf.content_type !== null ? { 'Content-Type': conf.content_type } : undefined);
      return;
    }
    const message = conf.message ?? DEFAULT_RESPONSE[conf.status_code];
    kong.response.exit(conf.status_code, message !== undefined ? { message } : null);
  },
};
