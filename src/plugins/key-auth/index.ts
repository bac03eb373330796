// key-auth (Kong 3.10 kong/plugins/key-auth): an API key from a header, the query string or the
// body, looked up among keyauth_credentials.
import { KONG_PROTOCOL_VERSION } from '../../version.js';
import type { Row } from '../../entities/index.js';
import type { PluginModule } from '../types.js';
import type { Kong } from '../pdk/types.js';
import { arr, bool, str } from '../schema/types.js';
import { removeQueryArg } from '../runtime/body.js';
import { authenticateAnonymous, consumerIdOf, indexCredentials, setConsumer } from '../auth-common.js';

interface Conf {
  key_names: string[];
  hide_credentials: boolean;
  anonymous: string | null;
  key_in_header: boolean;
  key_in_query: boolean;
  key_in_body: boolean;
  run_on_preflight: boolean;
  realm: string | null;
  /** Per key name: the header to read and the one nginx reads as the same name (`api_key`, `api-key`), made once per config. */
  headers: { lower: string; alias: string | null }[];
}

// A key is its string; no key or a duplicate are these two (no object per request).
const NONE = { refused: 'No API key found in request' } as const;
const DUPLICATE = { refused: 'Duplicate API key found' } as const;
type Found = string | typeof NONE | typeof DUPLICATE;

// Kong: a string is the key, a list is a duplicate, anything else (or "") is no key.
function fromList(v: unknown): Found | null {
  if (typeof v === 'string') return v === '' ? null : v;
  if (Array.isArray(v)) return v.length > 1 ? DUPLICATE : typeof v[0] === 'string' && v[0] !== '' ? v[0] : null;
  return null;
}

/** typedefs.header_name with Kong's messages. */
function headerName(v: string): string | null {
  if (v === '') return 'no header name provided';
  return /^[a-zA-Z0-9\-_]+$/.test(v) ? null : `bad header name '${v}', allowed characters are A-Z, a-z, 0-9, '_', and '-'`;
}

/** Header and query string, in key_names order (no waiting: the common case stays synchronous). */
function findKeySync(kong: Kong, conf: Conf, i: number): Found | null {
  const name = conf.key_names[i]!;
  if (conf.key_in_header) {
    const h = conf.headers[i]!;
    const req = kong.request;
    const f = fromList(req.getHeaderValues(h.lower) ?? (h.alias === null ? undefined : req.getHeaderValues(h.alias)));
    if (f !== null) {
      if (typeof f === 'string' && conf.hide_credentials) kong.service.request.clearHeader(name);
      return f;
    }
  }
  if (conf.key_in_query) {
    const q = kong.request.getQuery();
    const f = fromList(q[name]);
    if (f !== null) {
      if (typeof f === 'string' && conf.hide_credentials) kong.service.request.setRawQuery(removeQueryArg(kong.request.getRawQuery(), name));
      return f;
    }
  }
  return null;
}

async function findKeyInBody(kong: Kong, conf: Conf, name: string): Promise<Found | null> {
  const parsed = await kong.request.getBody();
  const body = parsed?.value;
  const f = body ? fromList(body[name]) : null;
  if (typeof f === 'string' && conf.hide_credentials && parsed) {
    delete body![name];
    if (parsed.type === 'json') kong.service.request.setRawBody(JSON.stringify(body));
    else kong.service.request.setRawBody(new URLSearchParams(Object.entries(body!).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, String(x)]) : [[k, String(v)]]))).toString());
  }
  return f;
}

function findKey(kong: Kong, conf: Conf, from = 0): Found | Promise<Found> {
  for (let i = from; i < conf.key_names.length; i++) {
    const f = findKeySync(kong, conf, i);
    if (f !== null) return f;
    if (conf.key_in_body) return findKeyInBody(kong, conf, conf.key_names[i]!).then((b) => b ?? (i + 1 < conf.key_names.length ? findKey(kong, conf, i + 1) : NONE));
  }
  return NONE;
}

const challenge = (conf: Conf) => (conf.realm ? `Key realm="${conf.realm}"` : 'Key');

type Failure = { status: number; message: string } | null;

function check(kong: Kong, found: Found): Failure {
  if (typeof found !== 'string') return { status: 401, message: found.refused };
  const cred = (kong.data as Map<string, Row>).get(found);
  const consumer = cred ? kong.client.loadConsumer(consumerIdOf(cred) ?? '') : null;
  if (!cred || !consumer) return { status: 401, message: 'Unauthorized' };
  setConsumer(kong, consumer, cred);
  return null;
}

function conclude(kong: Kong, conf: Conf, failed: Failure): void {
  if (!failed) return;
  if (conf.anonymous) {
    authenticateAnonymous(kong, conf.anonymous);
    return;
  }
  kong.response.error(failed.status, failed.message, { 'WWW-Authenticate': challenge(conf) });
}

export const keyAuth: PluginModule<Conf, Map<string, Row>> = {
  name: 'key-auth',
  version: KONG_PROTOCOL_VERSION,
  priority: 1250,
  schema: {
    noConsumer: true,
    fields: [
      ['key_names', arr(str({ len_min: 0, check: headerName }), { required: true, default: ['apikey'] })],
      ['hide_credentials', bool({ required: true, default: false })],
      ['anonymous', str()],
      ['key_in_header', bool({ required: true, default: true })],
      ['key_in_query', bool({ required: true, default: true })],
      ['key_in_body', bool({ required: true, default: false })],
      ['run_on_preflight', bool({ required: true, default: true })],
      ['realm', str()],
    ],
  },
  compile: (c) => {
    const conf = c as unknown as Conf;
    const headers = conf.key_names.map((name) => {
      const lower = name.toLowerCase();
      // nginx reads `api_key` and `api-key` as one header name.
      return { lower, alias: lower.includes('_') ? lower.replace(/_/g, '-') : lower.includes('-') ? lower.replace(/-/g, '_') : null };
    });
    return { ...conf, headers };
  },
  prepare: (table) => indexCredentials(table.keyauth_credentials, 'key'),
  access(kong, conf) {
    if (!conf.run_on_preflight && kong.request.getMethod() === 'OPTIONS') return;
    // Already authenticated by another plugin with anonymous set: a logical OR of auth plugins.
    if (conf.anonymous && kong.client.getCredential()) return;
    const found = findKey(kong, conf);
    if (found instanceof Promise) return found.then((f) => conclude(kong, conf, check(kong, f)));
    conclude(kong, conf, check(kong, found));
  },
};
