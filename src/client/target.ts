// decK's target state from a kong.yml: go-database-reconciler pkg/file/builder.go (ids reused from the
// current state by each entity's key, select tags merged in, nested entities given their parent's id),
// pkg/utils/defaulter.go (entity defaults from GET /schemas/{entity}) and go-kong kong/utils.go
// FillEntityDefaults / FillPluginsDefaults (plugin config from GET /schemas/plugins/{name}).
import { randomUUID } from 'node:crypto';
import { DEFAULTER_SCHEMAS, type Kind } from './calls.js';
import { ApiError, asGoKong, emptyState, type AdminClient, type State } from './client.js';

type Row = Record<string, unknown>;
type Fields = Record<string, Row>[];
const isObject = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v);
const fieldName = (f: Record<string, Row>) => Object.keys(f)[0]!;

/** decK's file reader renders `${{ env "NAME" }}`; here on the parsed values, so PEM blocks stay intact. */
export function renderEnv(v: unknown, env: Record<string, string>): unknown {
  if (typeof v === 'string') return v.replace(/\$\{\{\s*env\s+"([^"]+)"\s*\}\}/g, (_, name: string) => env[name] ?? '');
  if (Array.isArray(v)) return v.map((x) => renderEnv(x, env));
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, renderEnv(x, env)]));
  return v;
}

/** go-kong flattenLuaSchema: every field's default, records by their sub-fields, nulls left out by json.Unmarshal. */
function flattenDefaults(fields: Fields): Row {
  const out: Row = {};
  for (const f of fields) {
    const name = fieldName(f);
    const spec = f[name]!;
    if (spec.type === 'record') out[name] = flattenDefaults((spec.fields as Fields | undefined) ?? []);
    else if (spec.default !== undefined && spec.default !== null) out[name] = structuredClone(spec.default);
  }
  return out;
}

/** mergo.Merge without override: a value absent in the entity takes the default, at every depth of a record. */
function mergeDefaults(entity: Row, defaults: Row): Row {
  const out: Row = { ...entity };
  for (const [k, d] of Object.entries(defaults)) {
    if (out[k] === undefined || out[k] === null) out[k] = structuredClone(d);
    else if (isObject(out[k]) && isObject(d)) out[k] = mergeDefaults(out[k] as Row, d);
  }
  return out;
}

/** go-kong fillConfigRecord with FillDefaults: given values kept, records filled, every other field its default or null. */
function fillConfig(schema: Row, config: Row): Row {
  const res: Row = structuredClone(config);
  const recordDefault = isObject(schema.default) ? schema.default : undefined;
  for (const f of (schema.fields as Fields | undefined) ?? []) {
    const name = fieldName(f);
    const spec = f[name]!;
    const v = config[name];
    if (Object.hasOwn(config, name) && !(isObject(v) && spec.type === 'record')) continue;
    if (spec.type === 'record' && ((v !== undefined && v !== null) || spec.required === true)) {
      const sub = fillConfig(spec, isObject(v) ? v : {});
      if (Object.keys(sub).length) res[name] = sub;
      continue;
    }
    if (spec.auto === true) continue;
    res[name] = recordDefault && Object.hasOwn(recordDefault, name) ? recordDefault[name] : (spec.default ?? null);
  }
  return res;
}

export interface Schemas {
  entity: Record<string, Fields | null>;
  plugin: Record<string, Row>;
}

/** The defaulter's schema look-ups (a 404 is "no schema"), then the plugin schemas the file needs. */
export async function fetchSchemas(client: AdminClient, pluginNames: string[]): Promise<Schemas> {
  const s: Schemas = { entity: {}, plugin: {} };
  for (const e of DEFAULTER_SCHEMAS) {
    try {
      s.entity[e] = ((await client.do('GET', `/schemas/${e}`)).json as { fields: Fields }).fields;
    } catch (err) {
      if (!(err instanceof ApiError && err.call.status === 404)) throw err;
      s.entity[e] = null;
    }
  }
  for (const name of pluginNames) s.plugin[name] = (await client.do('GET', `/schemas/plugins/${name}`)).json as Row;
  return s;
}

/** The plugin names a file uses, in the order decK's builder meets them. */
export function pluginNames(file: Row): string[] {
  const names: string[] = [];
  const walk = (v: unknown, key?: string) => {
    if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (isObject(v)) {
      if (key === 'plugins' && typeof v.name === 'string' && !names.includes(v.name)) names.push(v.name);
      for (const [k, x] of Object.entries(v)) walk(x, k);
    }
  };
  walk(file);
  return names;
}

const CREDENTIALS: [string, Kind, (c: Row) => (r: Row) => boolean][] = [
  ['keyauth_credentials', 'keyauth_credentials', (c) => (r) => r.key === c.key],
  ['hmacauth_credentials', 'hmacauth_credentials', (c) => (r) => r.username === c.username],
  ['jwt_secrets', 'jwt_secrets', (c) => (r) => r.key === c.key],
  ['basicauth_credentials', 'basicauth_credentials', (c) => (r) => r.username === c.username],
  ['acls', 'acls', (c) => (r) => r.group === c.group && (r.consumer as Row).id === (c.consumer as Row).id],
];

/** pkg/file/builder.go buildKong: the target state, with ids the current state already gives each entity's key. */
export function buildTarget(file: Row, current: State, schemas: Schemas): State {
  const t = emptyState();
  const select = ((file._info as Row | undefined)?.select_tags as string[] | undefined) ?? [];
  const idOf = (kind: Kind, given: unknown, match: (r: Row) => boolean) =>
    typeof given === 'string' ? given : (current[kind].find(match)?.id as string | undefined) ?? randomUUID();
  // utils.MustMergeTags: the select tags every entity gets, after its own.
  const tagged = (r: Row): Row => {
    const tags = [...((r.tags as string[] | undefined) ?? [])];
    for (const s of select) if (!tags.includes(s)) tags.push(s);
    return tags.length ? { ...r, tags } : r;
  };
  const defaults = (entity: string, r: Row) => {
    const fields = schemas.entity[entity];
    return fields ? mergeDefaults(r, flattenDefaults(fields)) : r;
  };
  const add = (kind: Kind, r: Row) => t[kind].push(asGoKong(kind, r));
  const plugins: Row[] = [];
  const queuePlugins = (list: unknown, scope: Row) => {
    for (const p of (list as Row[] | undefined) ?? []) plugins.push({ ...p, ...scope });
  };

  for (const c of (file.certificates as Row[] | undefined) ?? []) {
    const id = idOf('certificates', c.id, (r) => r.cert === c.cert && r.key === c.key);
    add('certificates', tagged({ id, cert: c.cert, key: c.key, tags: c.tags }));
    for (const s of (c.snis as Row[] | undefined) ?? []) add('snis', tagged({ ...s, id: idOf('snis', s.id, (r) => r.name === s.name), certificate: { id } }));
  }
  const addRoute = (r: Row, service: Row | undefined) => {
    const { plugins: rp, ...route } = r;
    const rid = idOf('routes', route.id, (x) => x.name === route.name);
    add('routes', defaults('routes', tagged(service ? { ...route, id: rid, service } : { ...route, id: rid })));
    queuePlugins(rp, { route: { id: rid } });
  };
  for (const s of (file.services as Row[] | undefined) ?? []) {
    const { routes, plugins: sp, ...svc } = s;
    const id = idOf('services', svc.id, (r) => r.name === svc.name);
    add('services', defaults('services', tagged({ ...svc, id })));
    queuePlugins(sp, { service: { id } });
    for (const r of (routes as Row[] | undefined) ?? []) addRoute(r, { id });
  }
  // Top-level routes: without a service, or naming theirs (by name or id) in `service`.
  for (const r of (file.routes as Row[] | undefined) ?? []) {
    const svc = r.service;
    const ref = typeof svc === 'string' ? { id: (t.services.find((x) => x.name === svc || x.id === svc)?.id as string | undefined) ?? svc } : isObject(svc) ? svc : undefined;
    addRoute(r, ref);
  }
  for (const u of (file.upstreams as Row[] | undefined) ?? []) {
    const { targets, ...up } = u;
    const id = idOf('upstreams', up.id, (r) => r.name === up.name);
    add('upstreams', defaults('upstreams', tagged({ ...up, id })));
    for (const tg of (targets as Row[] | undefined) ?? []) {
      const tid = idOf('targets', tg.id, (r) => r.target === tg.target && (r.upstream as Row).id === id);
      add('targets', defaults('targets', tagged({ ...tg, id: tid, upstream: { id } })));
    }
  }
  for (const c of (file.consumers as Row[] | undefined) ?? []) {
    const { plugins: cp, ...rest } = c;
    const consumer: Row = Object.fromEntries(Object.entries(rest).filter(([k]) => !CREDENTIALS.some(([key]) => key === k)));
    const id = idOf('consumers', consumer.id, (r) => r.username === consumer.username);
    add('consumers', tagged({ ...consumer, id }));
    queuePlugins(cp, { consumer: { id } });
    for (const [key, kind, match] of CREDENTIALS) {
      for (const cred of (c[key] as Row[] | undefined) ?? []) {
        const withOwner = { ...cred, consumer: { id } };
        add(kind, tagged({ ...withOwner, id: idOf(kind, cred.id, match(withOwner)) }));
      }
    }
  }
  // Top-level plugins name their service, route or consumer; the builder resolves the name in the target.
  const byName = (kind: Kind, key: string, v: unknown) => (typeof v === 'string' ? { id: (t[kind].find((r) => r[key] === v || r.id === v)?.id as string) } : v);
  for (const p of (file.plugins as Row[] | undefined) ?? []) {
    plugins.push({ ...p, service: byName('services', 'name', p.service), route: byName('routes', 'name', p.route), consumer: byName('consumers', 'username', p.consumer) });
  }
  const refId = (v: unknown) => (isObject(v) ? v.id : undefined);
  for (const p of plugins) {
    const same = (r: Row) => r.name === p.name && refId(r.service) === refId(p.service) && refId(r.route) === refId(p.route) && refId(r.consumer) === refId(p.consumer);
    const schema = schemas.plugin[String(p.name)]!;
    const configSchema = ((schema.fields as Fields).find((f) => fieldName(f) === 'config')?.config ?? {}) as Row;
    const protocols = (schema.fields as Fields).find((f) => fieldName(f) === 'protocols')?.protocols?.default;
    const filled: Row = { ...p, id: idOf('plugins', p.id, same), config: fillConfig(configSchema, isObject(p.config) ? p.config : {}) };
    filled.protocols ??= protocols;
    filled.enabled ??= true;
    add('plugins', tagged(filled));
  }
  return t;
}
