// Kong's send_entries: one POST (or PUT, PATCH) per batch, a JSON array when batches may hold
// more than one entry, Basic authorization from the URL's userinfo. Kong does not verify the log
// server's certificate (ssl_verify = false); neither does this.
import { Agent, request } from 'undici';
import type { PluginLogger } from '../pdk/types.js';
import { describeError } from '../log-shared/errno.js';
import { parseEndpoint } from './endpoint.js';

export interface SendConf {
  http_endpoint: string;
  method: string;
  content_type: string;
  timeout: number;
  keepalive: number;
  headers: Record<string, string> | null;
}

/** The collector's answer is read (to reuse the connection) and at most this much goes into a log line. */
const MAX_LOGGED_BODY = 1024;

// One connection pool per timeout/keepalive pair in this worker, as resty.http's keepalive pools.
const agents = new Map<string, Agent>();

function agentFor(timeout: number, keepalive: number): Agent {
  const key = `${timeout}:${keepalive}`;
  let a = agents.get(key);
  if (!a) {
    a = new Agent({ connect: { timeout, rejectUnauthorized: false }, keepAliveTimeout: Math.max(1, keepalive), keepAliveMaxTimeout: Math.max(1, keepalive) });
    agents.set(key, a);
  }
  return a;
}

export function payload(entries: string[], batchSize: number): string {
  return batchSize === 1 ? entries[0]! : `[${entries.join(',')}]`;
}

export async function sendEntries(conf: SendConf, batchSize: number, entries: string[], log: PluginLogger): Promise<void> {
  const body = payload(entries, batchSize);
  const e = parseEndpoint(conf.http_endpoint);
  const headers: Record<string, string> = { 'Content-Type': conf.content_type, 'Content-Length': String(Buffer.byteLength(body)) };
  if (e.userinfo !== null) headers.Authorization = `Basic ${Buffer.from(e.userinfo).toString('base64')}`;
  // Kong's headers[h] = headers[h] or v: configured headers never replace these.
  for (const [h, v] of Object.entries(conf.headers ?? {})) headers[h] ??= v;
  const host = e.host.includes(':') ? `[${e.host}]` : e.host;
  // Kong builds the URL from scheme, host, port and path: a query string on http_endpoint is not sent.
  const url = `${e.scheme}://${host}:${e.port}${e.path}`;
  let res;
  try {
    res = await request(url, {
      method: conf.method as 'POST',
      headers,
      body,
      dispatcher: agentFor(conf.timeout, conf.keepalive),
      headersTimeout: conf.timeout,
      bodyTimeout: conf.timeout,
    });
  } catch (err) {
    throw new Error(`failed request to ${e.host}:${e.port}: ${timeoutOr(err)}`);
  }
  const text = await res.body.text().catch(() => '');
  log.debug(`http-log sent data log server, ${e.host}:${e.port} HTTP status ${res.statusCode}`);
  if (res.statusCode >= 300) {
    throw new Error(`request to ${e.host}:${e.port} returned status code ${res.statusCode} and body ${scrub(text.slice(0, MAX_LOGGED_BODY), headers, e.userinfo)}`);
  }
}

/** A collector that echoes what it got must not put the credentials sent to it into this log. */
function scrub(text: string, headers: Record<string, string>, userinfo: string | null): string {
  const secrets = [userinfo, headers.Authorization, headers.Authorization?.replace(/^Basic /, ''), ...Object.entries(headers).filter(([h]) => !/^content-/i.test(h)).map(([, v]) => v)];
  for (const s of secrets) if (s && s.length >= 4) text = text.split(s).join('[REDACTED]');
  return text;
}

function timeoutOr(err: unknown): string {
  const code = (err as { code?: string }).code ?? '';
  return code.includes('TIMEOUT') ? 'timeout' : describeError(err);
}
