// request-transformer's access phase (Kong 3.10 kong/plugins/request-transformer/access.lua), in
// Kong's order: uri, method, headers, body, querystring.
import type { Kong } from '../pdk/types.js';
import { encodeQuery, parseQuery } from '../runtime/body.js';
import { pathRegex } from '../../proxy/router/matcher.js';
import { isRegexPath } from '../../proxy/router/priority.js';
import { splitEntry } from './schema.js';
import { Multipart } from './multipart.js';
import { compileTemplate, isPlain, render, type Template, type TemplateEnv } from './template.js';

interface Op {
  name: string;
  lower: string;
  /** null: the entry has no value (Kong skips it for everything but remove). */
  value: Template | null;
}

interface Ops { remove: Op[]; rename: Op[]; replace: Op[]; add: Op[]; append: Op[] }

export interface Conf {
  method: string | null;
  uri: Template | null;
  headers: Ops;
  body: Ops;
  query: Ops;
  anyBody: boolean;
  anyQuery: boolean;
}

type Section = Record<string, unknown> & { body?: string[]; headers?: string[]; querystring?: string[]; uri?: string | null };

function ops(entries: readonly string[] | undefined, withValue = true): Op[] {
  return (entries ?? []).map((e) => {
    const { name, value } = splitEntry(e);
    return { name, lower: name.toLowerCase(), value: value === '' || !withValue ? null : compileTemplate(value) };
  });
}

function opsOf(c: Record<string, Section>, key: 'body' | 'headers' | 'querystring'): Ops {
  // remove only names: whatever follows a colon there is never rendered.
  return { remove: ops(c.remove?.[key], false), rename: ops(c.rename?.[key]), replace: ops(c.replace?.[key]), add: ops(c.add?.[key]), append: ops(c.append?.[key]) };
}

const some = (o: Ops) => o.remove.length + o.rename.length + o.replace.length + o.add.length + o.append.length > 0;

export function compile(config: Record<string, unknown>): Conf {
  const c = config as Record<string, Section>;
  const body = opsOf(c, 'body');
  const query = opsOf(c, 'querystring');
  const uri = c.replace?.uri;
  return {
    method: typeof config.http_method === 'string' ? config.http_method : null,
    uri: typeof uri === 'string' ? compileTemplate(uri) : null,
    headers: opsOf(c, 'headers'),
    body, query, anyBody: some(body), anyQuery: some(query),
  };
}

// Route path regexes, compiled once per route row (rows live as long as their config).
const routeRegexes = new WeakMap<object, RegExp[]>();

function uriCaptures(kong: Kong): Record<string, unknown> {
  const route = kong.router.getRoute();
  const paths = route?.paths;
  if (!route || !Array.isArray(paths) || !paths.length || !isRegexPath(String(paths[0]))) return {};
  let res = routeRegexes.get(route);
  if (!res) routeRegexes.set(route, (res = (paths as string[]).map(pathRegex)));
  for (const re of res) {
    const m = re.exec(kong.request.getPath());
    if (!m) continue;
    // ngx.re.match: the whole match at 0, unmatched groups false, named groups by name.
    const out: Record<string, unknown> = {};
    m.forEach((v, i) => { out[String(i)] = v ?? false; });
    for (const [k, v] of Object.entries(m.groups ?? {})) out[k] = v ?? false;
    return out;
  }
  return {};
}

/** Kong's template_env: each table read on first use, then kept for the rest of the request. */
function makeEnv(kong: Kong): TemplateEnv {
  let headers: Record<string, unknown> | undefined;
  let query: Record<string, unknown> | undefined;
  let captures: Record<string, unknown> | undefined;
  return {
    headers: () => (headers ??= { ...kong.request.getHeaders() }),
    query_params: () => (query ??= kong.request.getQuery()),
    uri_captures: () => (captures ??= uriCaptures(kong)),
    shared: () => kong.ctx.shared,
  };
}

function value(op: Op, env: TemplateEnv): string | null {
  if (!op.value) return null;
  return isPlain(op.value) ? op.value.join('') : render(op.value, env);
}

type Multi = string | true | (string | true)[];

function appendValue(current: unknown, v: string): unknown {
  if (typeof current === 'string') return [current, v];
  if (Array.isArray(current)) return [...current, v];
  if (current && typeof current === 'object') return { ...current, '1': v };
  return [v];
}

function transformHeaders(kong: Kong, o: Ops, env: TemplateEnv): void {
  if (!some(o)) return;
  // Lower-case name -> the name to send and the value(s).
  const all = kong.request.getHeaders();
  const headers = new Map<string, { name: string; value: unknown }>();
  for (const k in all) if (k !== 'host') headers.set(k, { name: k, value: all[k] });
  const dirty = new Set<string>();
  const cleared = new Set<string>();
  for (const op of o.remove) {
    if (headers.delete(op.lower)) cleared.add(op.lower);
  }
  for (const op of o.rename) {
    const to = value(op, env);
    if (to === null || to === op.name) continue;
    const h = headers.get(op.lower);
    if (!h) continue;
    const toLower = to.toLowerCase();
    headers.delete(op.lower);
    // Only the case changes: Kong keeps the configured case of the new name.
    headers.set(toLower, { name: toLower === op.lower ? to : toLower, value: h.value });
    cleared.add(op.lower);
    dirty.add(toLower);
  }
  for (const op of o.replace) {
    const v = value(op, env);
    if (v === null) continue;
    if (op.lower === 'host') kong.service.request.setHeader('host', v);
    else if (headers.has(op.lower)) {
      headers.set(op.lower, { name: op.lower, value: v });
      dirty.add(op.lower);
    }
  }
  for (const op of o.add) {
    const v = value(op, env);
    if (v === null || op.lower === 'host' || headers.has(op.lower)) continue;
    headers.set(op.lower, { name: op.name, value: v });
    dirty.add(op.lower);
  }
  for (const op of o.append) {
    const v = value(op, env);
    if (v === null || op.lower === 'host') continue;
    const h = headers.get(op.lower);
    headers.set(op.lower, { name: op.name, value: appendValue(h?.value, v) });
    dirty.add(op.lower);
  }
  for (const k of cleared) kong.service.request.clearHeader(k);
  for (const k of dirty) {
    const h = headers.get(k);
    if (h) kong.service.request.setHeader(h.name, Array.isArray(h.value) ? h.value.map(String) : String(h.value));
  }
}

type Params = Record<string, unknown>;

/** remove/rename/replace/add/append on a decoded table, Kong's rules; true when something changed. */
function transformParams(p: Params, o: Ops, env: TemplateEnv, nonEmpty: boolean, appendOk: boolean): boolean {
  let changed = false;
  if (nonEmpty) {
    for (const op of o.remove) { delete p[op.name]; changed = true; }
    for (const op of o.rename) {
      const to = value(op, env);
      if (to === null || to === op.name || !truthy(p[op.name])) continue;
      p[to] = p[op.name];
      delete p[op.name];
      changed = true;
    }
    for (const op of o.replace) {
      const v = value(op, env);
      if (v !== null && truthy(p[op.name])) { p[op.name] = v; changed = true; }
    }
  }
  for (const op of o.add) {
    const v = value(op, env);
    if (v !== null && !truthy(p[op.name])) { p[op.name] = v; changed = true; }
  }
  if (appendOk) {
    for (const op of o.append) {
      const v = value(op, env);
      if (v !== null) { p[op.name] = appendValue(p[op.name], v); changed = true; }
    }
  }
  return changed;
}

// Lua truthiness over decoded params: cjson's null is a value (truthy), only absent and false are not.
const truthy = (v: unknown) => v !== undefined && v !== false;

function transformMultipart(m: Multipart, o: Ops, env: TemplateEnv, nonEmpty: boolean): boolean {
  let changed = false;
  if (nonEmpty) {
    for (const op of o.rename) {
      const to = value(op, env);
      if (to !== null && m.rename(op.name, to)) changed = true;
    }
    for (const op of o.remove) { m.delete(op.name); changed = true; }
    for (const op of o.replace) {
      const v = value(op, env);
      if (v !== null && m.has(op.name)) { m.delete(op.name); m.setSimple(op.name, v); changed = true; }
    }
  }
  // Kong's multipart transform has no append.
  for (const op of o.add) {
    const v = value(op, env);
    if (v !== null && !m.has(op.name)) { m.setSimple(op.name, v); changed = true; }
  }
  return changed;
}

type Kind = 'json' | 'multipart' | 'form';

function kindOf(ct: string | undefined): Kind | null {
  const l = (ct ?? '').toLowerCase();
  return l.includes('application/json') ? 'json' : l.includes('multipart/form-data') ? 'multipart' : l.includes('application/x-www-form-urlencoded') ? 'form' : null;
}

function newBody(kind: Kind, raw: Buffer, ct: string, o: Ops, env: TemplateEnv): Buffer | null {
  const nonEmpty = raw.length > 0;
  if (kind === 'form') {
    const p = parseQuery(raw.toString('utf8')) as Params;
    return transformParams(p, o, env, nonEmpty, true) ? Buffer.from(encodeQuery(p as Record<string, Multi>)) : null;
  }
  if (kind === 'multipart') {
    const m = Multipart.parse(raw, ct);
    return m && transformMultipart(m, o, env, nonEmpty) ? m.toBuffer() : null;
  }
  let p: Params = {};
  if (nonEmpty) {
    try {
      const v: unknown = JSON.parse(raw.toString('utf8'));
      // Malformed (or not an object): Kong leaves the body alone.
      if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
      p = v as Params;
    } catch {
      return null;
    }
  }
  return transformParams(p, o, env, nonEmpty, true) ? Buffer.from(JSON.stringify(p)) : null;
}

async function transformBody(kong: Kong, conf: Conf, env: TemplateEnv): Promise<void> {
  const ct = kong.request.getHeader('content-type');
  const kind = kindOf(ct);
  if (!kind) return;
  const raw = (await kong.request.getRawBody()) ?? Buffer.alloc(0);
  const out = newBody(kind, raw, ct!, conf.body, env);
  if (out) kong.service.request.setRawBody(out);
}

function transformQuery(kong: Kong, o: Ops, env: TemplateEnv): void {
  const q = { ...env.query_params() } as Params;
  transformParams(q, o, env, true, true);
  kong.service.request.setQuery(q as Record<string, Multi>);
}

/** http_method GET/HEAD/TRACE: a form body's fields join the query string. */
async function formIntoQuery(kong: Kong): Promise<void> {
  if (kindOf(kong.request.getHeader('content-type')) !== 'form') return;
  const raw = await kong.request.getRawBody();
  const fields = parseQuery(raw ? raw.toString('utf8') : '');
  if (!Object.keys(fields).length) return;
  const q = kong.request.getQuery();
  for (const [k, v] of Object.entries(fields)) {
    const prev = q[k];
    q[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), ...(Array.isArray(v) ? v : [v])];
  }
  kong.service.request.setQuery(q);
}

function rest(kong: Kong, conf: Conf, env: TemplateEnv): void | Promise<void> {
  transformHeaders(kong, conf.headers, env);
  const after = () => { if (conf.anyQuery) transformQuery(kong, conf.query, env); };
  if (conf.anyBody && kindOf(kong.request.getHeader('content-type'))) return transformBody(kong, conf, env).then(after);
  after();
}

export function access(kong: Kong, conf: Conf): void | Promise<void> {
  const env = makeEnv(kong);
  if (conf.uri) kong.service.request.setPath(render(conf.uri, env));
  if (conf.method) {
    kong.service.request.setMethod(conf.method);
    if ((conf.method === 'GET' || conf.method === 'HEAD' || conf.method === 'TRACE') && kindOf(kong.request.getHeader('content-type')) === 'form') {
      return formIntoQuery(kong).then(() => rest(kong, conf, env));
    }
  }
  return rest(kong, conf, env);
}
