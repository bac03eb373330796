// response-transformer (Kong 3.10 kong/plugins/response-transformer): response headers in
// header_filter and top-level keys of JSON bodies in body_filter.
import { KONG_PROTOCOL_VERSION } from '../../version.js';
import type { PluginModule } from '../types.js';
import type { Kong } from '../pdk/types.js';
import { schema } from './schema.js';
import { compile, isJsonBody, transformJson, type Conf } from './transform.js';

function headerFilter(kong: Kong, conf: Conf): void {
  // Kong reads the headers once, before any change: a rename still sees a header removed above it.
  const before = kong.response.getHeaders();
  const h = conf.headers;
  for (const name of h.remove) kong.response.clearHeader(name);
  for (const [from, to] of h.rename) {
    const v = before[from.toLowerCase()];
    if (v === undefined) continue;
    kong.response.clearHeader(to);
    for (const x of Array.isArray(v) ? v : [v]) kong.response.addHeader(to, x);
    kong.response.clearHeader(from);
  }
  for (const [name, v] of h.replace) if (before[name.toLowerCase()] !== undefined) kong.response.setHeader(name, v);
  for (const [name, v] of h.add) if (before[name.toLowerCase()] === undefined) kong.response.setHeader(name, v);
  for (const [name, v] of h.append) kong.response.addHeader(name, v);
  // The body is going to change.
  if (conf.anyJson && isJsonBody(before['content-type'])) kong.response.clearHeader('Content-Length');
}

function bodyFilter(kong: Kong, conf: Conf): void {
  if (!conf.anyJson || !isJsonBody(kong.response.getHeader('content-type'))) return;
  const out = transformJson(conf, kong.response.getRawBody());
  if (out === null) return void kong.log.warn('body transform failed: failed parsing json body');
  kong.response.setRawBody(out);
}

export const responseTransformer: PluginModule<Conf> = {
  name: 'response-transformer',
  version: KONG_PROTOCOL_VERSION,
  priority: 800,
  schema,
  compile,
  header_filter: headerFilter,
  body_filter: bodyFilter,
};
