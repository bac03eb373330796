// http-log (Kong 3.10 kong/plugins/http-log): each request's serialized log goes into a queue
// (Kong's queue parameters, per worker) that posts batches to an HTTP collector.
import { KONG_PROTOCOL_VERSION } from '../../version.js';
import type { PluginModule } from '../types.js';
import type { PluginLogger } from '../pdk/types.js';
import { int, map, num, str } from '../schema/types.js';
import { customFieldsByLua, queue, type QueueConf } from '../log-shared/fields.js';
import { enqueue } from '../log-shared/queue.js';
import { checkEndpoint, hasUserinfo, parseEndpoint } from './endpoint.js';
import { sendEntries, type SendConf } from './send.js';

interface Conf extends SendConf {
  retry_count: number | null;
  queue_size: number | null;
  flush_timeout: number | null;
  queue: QueueConf;
  /** Built once per config: the queue's parameters after Kong's legacy conversions, and its key. */
  effective: QueueConf;
  key: string;
  tag: string;
  label: string;
  warnings: string[];
}

const HEADER_NAME = /^[a-zA-Z0-9\-_]+$/;
const FORBIDDEN: [RegExp, string][] = [[/^host$/i, 'Host'], [/^content-length$/i, 'Content-Length'], [/^content-type$/i, 'Content-Type']];

/** Kong's headers map: header_name keys (none of Host, Content-Length, Content-Type), non-empty string values. */
function checkHeaders(h: Record<string, unknown>): string | null {
  for (const [k, v] of Object.entries(h)) {
    if (!HEADER_NAME.test(k)) return `bad header name '${k}', allowed characters are A-Z, a-z, 0-9, '_', and '-'`;
    for (const [re, name] of FORBIDDEN) if (re.test(k)) return `cannot contain '${name}' header`;
    if (typeof v !== 'string') return 'expected a string';
    if (v.length === 0) return 'length must be at least 1';
    if (v.startsWith('{vault://')) return 'vault references are not supported';
  }
  return null;
}

/** Kong's Queue.get_plugin_params: legacy top-level parameters still win over queue.* when set away from their old default. */
function effectiveQueue(c: Conf): { q: QueueConf; warnings: string[] } {
  const q = { ...c.queue };
  const warnings: string[] = [];
  if (c.retry_count !== null && c.retry_count !== 10) warnings.push('the retry_count parameter no longer works, please update your configuration to use initial_retry_delay and max_retry_time instead');
  if (c.queue_size !== null && c.queue_size !== 1) {
    q.max_batch_size = c.queue_size;
    warnings.push('the queue_size parameter is deprecated, please update your configuration to use queue.max_batch_size instead');
  }
  if (c.flush_timeout !== null && c.flush_timeout !== 2) {
    q.max_coalescing_delay = c.flush_timeout;
    warnings.push('the flush_timeout parameter is deprecated, please update your configuration to use queue.max_coalescing_delay instead');
  }
  return { q, warnings };
}

// Kong warns about legacy parameters at most once a minute per queue.
const MIN_WARNING_INTERVAL_MS = 60_000;
const warnedAt = new Map<string, number>();

function warnLegacy(conf: Conf, log: PluginLogger): void {
  for (const w of conf.warnings) {
    const k = `${conf.key}/${w}`;
    const t = Date.now();
    if (t - (warnedAt.get(k) ?? -Infinity) < MIN_WARNING_INTERVAL_MS) continue;
    warnedAt.set(k, t);
    log.warn(w);
  }
}

export const httpLog: PluginModule<Conf> = {
  name: 'http-log',
  version: KONG_PROTOCOL_VERSION,
  priority: 12,
  schema: {
    fields: [
      ['http_endpoint', str({ required: true, encrypted: true, referenceable: true, check: checkEndpoint as (v: never) => string | null })],
      ['method', str({ default: 'POST', one_of: ['POST', 'PUT', 'PATCH'] })],
      ['content_type', str({ default: 'application/json', one_of: ['application/json', 'application/json; charset=utf-8'] })],
      ['timeout', num({ default: 10000 })],
      ['keepalive', num({ default: 60000 })],
      ['retry_count', int()],
      ['queue_size', int()],
      ['flush_timeout', num()],
      ['headers', map(str({ len_min: 0 }), str({ len_min: 0, referenceable: true }), { check: checkHeaders as (v: never) => string | null })],
      ['queue', queue],
      ['custom_fields_by_lua', customFieldsByLua],
    ],
    entityChecks: [
      (c) => {
        const headers = c.headers as Record<string, string> | null;
        if (typeof c.http_endpoint !== 'string' || !hasUserinfo(c.http_endpoint) || !headers) return null;
        return Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')
          ? "specifying both an 'Authorization' header and user info in 'http_endpoint' is not allowed"
          : null;
      },
    ],
  },
  compile(config, ctx) {
    const c = config as unknown as Conf;
    const { q, warnings } = effectiveQueue(c);
    const e = parseEndpoint(c.http_endpoint);
    // Kong's make_queue_name: instances with the same log server parameters share one queue.
    const key = [c.http_endpoint, c.method, c.content_type, c.timeout, c.keepalive, c.retry_count].join(':');
    return { ...c, effective: q, key, warnings, tag: `http-log plugin ${ctx.id}`, label: `${e.host}:${e.port}` };
  },
  log(kong, conf) {
    const log = kong.log.detached();
    warnLegacy(conf, log);
    const batchSize = conf.effective.max_batch_size;
    const err = enqueue(conf.key, conf.effective, { tag: conf.tag, label: conf.label, log, handler: (entries) => sendEntries(conf, batchSize, entries, log) }, JSON.stringify(kong.log.serialize()));
    if (err) kong.log.err(`Failed to enqueue log entry to log server: ${err}`);
  },
};
