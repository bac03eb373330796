// cors (Kong 3.10 kong/plugins/cors): answers preflight requests and adds the CORS headers to
// every other response of the route, including answers other plugins and Kong itself produce.
import { KONG_PROTOCOL_VERSION } from '../../version.js';
import type { PluginModule } from '../types.js';
import type { Kong } from '../pdk/types.js';
import { arr, bool, num, str } from '../schema/types.js';
import { type OriginRules, checkOrigin, compileOrigins, matchOrigin, normalizedRequestOrigin } from './origins.js';

const METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'];

interface Conf {
  origins: OriginRules;
  allowHeaders: string | null;
  methods: string;
  maxAge: string | null;
  exposed: string | null;
  credentials: boolean;
  privateNetwork: boolean;
  preflightContinue: boolean;
  allowOriginAbsent: boolean;
}

const provided = (o: string | undefined): o is string => o !== undefined && o !== '';

// In access the response does not exist yet (set); in header_filter the upstream's Vary is kept (add).
function vary(kong: Kong, inHeaderFilter: boolean): void {
  if (inHeaderFilter) kong.response.addHeader('Vary', 'Origin');
  else kong.response.setHeader('Vary', 'Origin');
}

/** Sets Access-Control-Allow-Origin; true when every origin is allowed (`*`). */
function configureOrigin(kong: Kong, conf: Conf, inHeaderFilter: boolean, origin: string | undefined): boolean {
  const rules = conf.origins;
  if (rules.kind === 'all') {
    kong.response.setHeader('Access-Control-Allow-Origin', '*');
    return true;
  }
  // Always, so caches key on Origin.
  vary(kong, inHeaderFilter);
  if (rules.kind === 'single') {
    kong.response.setHeader('Access-Control-Allow-Origin', rules.value);
    return false;
  }
  if (provided(origin)) {
    if (rules.star) {
      kong.response.setHeader('Access-Control-Allow-Origin', '*');
      return true;
    }
    const allowed = matchOrigin(rules.entries, normalizedRequestOrigin(origin));
    if (allowed !== null) {
      kong.response.setHeader('Access-Control-Allow-Origin', allowed);
      return false;
    }
  }
  // Also drops an upstream's own ACAO: the route's CORS policy decides.
  kong.response.clearHeader('Access-Control-Allow-Origin');
  return false;
}

function configureCredentials(kong: Kong, conf: Conf, allowAll: boolean, inHeaderFilter: boolean, origin: string | undefined): void {
  if (!conf.credentials) return;
  if (!allowAll) {
    kong.response.setHeader('Access-Control-Allow-Credentials', 'true');
    return;
  }
  // Credentials are not allowed with `*`: the client's own origin instead.
  if (provided(origin)) {
    vary(kong, inHeaderFilter);
    kong.response.setHeader('Access-Control-Allow-Origin', origin);
    kong.response.setHeader('Access-Control-Allow-Credentials', 'true');
  }
}

const joined = (v: unknown): string | null => (Array.isArray(v) && v.length > 0 ? v.join(',') : null);

export const cors: PluginModule<Conf> = {
  name: 'cors',
  version: KONG_PROTOCOL_VERSION,
  priority: 2000,
  schema: {
    noConsumer: true,
    fields: [
      ['origins', arr(str({ check: checkOrigin }))],
      ['headers', arr(str())],
      ['exposed_headers', arr(str())],
      ['methods', arr(str({ one_of: METHODS }), { default: METHODS })],
      ['max_age', num()],
      ['credentials', bool({ required: true, default: false })],
      ['private_network', bool({ required: true, default: false })],
      ['preflight_continue', bool({ required: true, default: false })],
      ['allow_origin_absent', bool({ required: true, default: true })],
    ],
  },
  compile(config) {
    return {
      origins: compileOrigins(Array.isArray(config.origins) ? (config.origins as string[]) : null),
      allowHeaders: joined(config.headers),
      methods: Array.isArray(config.methods) ? config.methods.join(',') : METHODS.join(','),
      maxAge: typeof config.max_age === 'number' ? String(config.max_age) : null,
      exposed: joined(config.exposed_headers),
      credentials: config.credentials === true,
      privateNetwork: config.private_network === true,
      preflightContinue: config.preflight_continue === true,
      allowOriginAbsent: config.allow_origin_absent !== false,
    };
  },
  access(kong, conf) {
    const origin = kong.request.getHeader('Origin');
    if (kong.request.getMethod() !== 'OPTIONS' || !provided(origin) || kong.request.getHeader('Access-Control-Request-Method') === undefined) return;
    // A preflight: either the upstream answers it untouched, or this plugin does, with all its headers now.
    kong.ctx.plugin.skip = true;
    if (conf.preflightContinue) return;
    const allowAll = configureOrigin(kong, conf, false, origin);
    configureCredentials(kong, conf, allowAll, false, origin);
    const acrh = kong.request.getHeader('Access-Control-Request-Headers');
    if (conf.allowHeaders !== null) kong.response.setHeader('Access-Control-Allow-Headers', conf.allowHeaders);
    else if (acrh !== undefined) kong.response.setHeader('Access-Control-Allow-Headers', acrh);
    else kong.response.clearHeader('Access-Control-Allow-Headers');
    kong.response.setHeader('Access-Control-Allow-Methods', conf.methods);
    if (conf.maxAge !== null) kong.response.setHeader('Access-Control-Max-Age', conf.maxAge);
    if (conf.privateNetwork && kong.request.getHeader('Access-Control-Request-Private-Network') === 'true') {
      kong.response.setHeader('Access-Control-Allow-Private-Network', 'true');
    }
    kong.response.exit(200);
  },
  header_filter(kong, conf) {
    if (kong.ctx.plugin.skip) return;
    const origin = kong.request.getHeader('Origin');
    if (!provided(origin) && !conf.allowOriginAbsent) return;
    const allowAll = configureOrigin(kong, conf, true, origin);
    configureCredentials(kong, conf, allowAll, true, origin);
    if (conf.exposed !== null) kong.response.setHeader('Access-Control-Expose-Headers', conf.exposed);
  },
};
