// A dumped state as the file decK writes (go-database-reconciler pkg/file/writer.go): routes under
// their service, targets under their upstream, SNIs under their certificate, credentials under their
// consumer, a plugin under the one entity it is scoped to (top level when global or scoped to more
// than one). Ids kept so a later apply updates the same rows; timestamps dropped; values as the CP
// holds them, defaults included, as decK keeps them. `POST /config` and decK both read this shape.
import type { Kind } from './calls.js';
import type { State } from './client.js';

type Row = Record<string, unknown>;

export const FORMAT_VERSION = '3.0';

/** The entity without timestamps or the foreign key its nesting already says. */
function strip(r: Row, ...drop: string[]): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(r)) if (k !== 'created_at' && k !== 'updated_at' && !drop.includes(k)) out[k] = v;
  return out;
}

const refId = (v: unknown) => (v && typeof v === 'object' ? ((v as Row).id as string | undefined) : undefined);
/** decK's writer sorts each list by name (or the entity's key), falling back to id, so dumps are stable. */
const byKey = (key: string) => (a: Row, b: Row) => String(a[key] ?? a.id).localeCompare(String(b[key] ?? b.id)) || String(a.id).localeCompare(String(b.id));
const SCOPES = ['service', 'route', 'consumer'] as const;

const CREDENTIAL_KEYS: [Kind, string][] = [
  ['keyauth_credentials', 'key'],
  ['basicauth_credentials', 'username'],
  ['hmacauth_credentials', 'username'],
  ['jwt_secrets', 'key'],
  ['acls', 'group'],
];

export function stateToFile(s: State, selectTags: string[] = []): Row {
  const scoped = (p: Row) => SCOPES.filter((k) => refId(p[k]) !== undefined);
  const nestedPlugins = (scope: (typeof SCOPES)[number], id: unknown): Row[] | undefined => {
    const list = s.plugins.filter((p) => scoped(p).length === 1 && refId(p[scope]) === id).sort(byKey('name')).map((p) => strip(p, scope));
    return list.length ? list : undefined;
  };
  const withList = (r: Row, key: string, list: Row[] | undefined): Row => (list && list.length ? { ...r, [key]: list } : r);

  const route = (r: Row) => withList(strip(r, 'service'), 'plugins', nestedPlugins('route', r.id));
  const services = [...s.services].sort(byKey('name')).map((svc) => {
    const routes = s.routes.filter((r) => refId(r.service) === svc.id).sort(byKey('name')).map(route);
    return withList(withList(strip(svc), 'routes', routes), 'plugins', nestedPlugins('service', svc.id));
  });
  const routes = s.routes.filter((r) => refId(r.service) === undefined).sort(byKey('name')).map(route);
  const upstreams = [...s.upstreams].sort(byKey('name')).map((u) =>
    withList(strip(u), 'targets', s.targets.filter((t) => refId(t.upstream) === u.id).sort(byKey('target')).map((t) => strip(t, 'upstream'))),
  );
  const certificates = [...s.certificates].sort(byKey('id')).map((c) =>
    withList(strip(c, 'snis'), 'snis', s.snis.filter((n) => refId(n.certificate) === c.id).sort(byKey('name')).map((n) => strip(n, 'certificate'))),
  );
  const consumers = [...s.consumers].sort(byKey('username')).map((c) => {
    let out = strip(c);
    for (const [kind, key] of CREDENTIAL_KEYS) out = withList(out, kind, s[kind].filter((x) => refId(x.consumer) === c.id).sort(byKey(key)).map((x) => strip(x, 'consumer')));
    return withList(out, 'plugins', nestedPlugins('consumer', c.id));
  });
  // Global plugins, and those scoped to two or more entities, name what they are scoped to.
  const nameOf = (kind: 'services' | 'routes' | 'consumers', id: string | undefined) => {
    const r = s[kind].find((x) => x.id === id);
    return (kind === 'consumers' ? r?.username : r?.name) ?? id;
  };
  const plugins = s.plugins.filter((p) => scoped(p).length !== 1).sort(byKey('name')).map((p) => {
    const out = strip(p, ...SCOPES);
    if (p.service) out.service = nameOf('services', refId(p.service));
    if (p.route) out.route = nameOf('routes', refId(p.route));
    if (p.consumer) out.consumer = nameOf('consumers', refId(p.consumer));
    return out;
  });

  const file: Row = { _format_version: FORMAT_VERSION };
  if (selectTags.length) file._info = { select_tags: selectTags };
  const sections: [string, Row[]][] = [['services', services], ['routes', routes], ['upstreams', upstreams], ['certificates', certificates], ['consumers', consumers], ['plugins', plugins]];
  for (const [key, list] of sections) if (list.length) file[key] = list;
  return file;
}
