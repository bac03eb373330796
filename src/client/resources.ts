// get and delete: the Admin API's collections by the names an operator types (singular or plural),
// each entity found by id or by its endpoint key (name, username) as Kong resolves it. Targets and
// credentials live under their upstream and consumer, so those take the parent as well.
import { RuntimeError, UsageError } from '../errors.js';
import { ApiError, type AdminClient } from './client.js';

type Row = Record<string, unknown>;

export interface Parent {
  /** The flag naming it, the collection it is in and what an operator calls one. */
  flag: '--upstream' | '--consumer';
  collection: 'upstreams' | 'consumers';
  noun: 'upstream' | 'consumer';
}

export interface Resource {
  /** The collection path (under the parent's entity path when nested). */
  path: string;
  /** Table columns after ID, in order; `wide` adds the rest. */
  columns: string[];
  wide: string[];
  parent?: Parent;
  /** Fields a table never shows, whatever the format asked for. */
  secrets?: string[];
  /** The field an entity is known by besides its id, where that is not a secret. */
  label?: string;
  /** Fields a nested entity may be named by on the command line, besides its id. */
  keys?: string[];
}

const UPSTREAM: Parent = { flag: '--upstream', collection: 'upstreams', noun: 'upstream' };
const CONSUMER: Parent = { flag: '--consumer', collection: 'consumers', noun: 'consumer' };
const CREATED = ['created_at'];

export const RESOURCES: Record<string, Resource> = {
  services: { path: 'services', columns: ['name', 'protocol', 'host', 'port', 'path', 'enabled', 'tags'], wide: ['retries', 'connect_timeout', 'read_timeout', 'write_timeout', 'tls_verify', ...CREATED] },
  routes: { path: 'routes', columns: ['name', 'service', 'protocols', 'hosts', 'paths', 'methods', 'tags'], wide: ['snis', 'headers', 'strip_path', 'preserve_host', 'regex_priority', ...CREATED] },
  upstreams: { path: 'upstreams', columns: ['name', 'algorithm', 'slots', 'tags'], wide: ['hash_on', 'hash_fallback', 'host_header', ...CREATED] },
  consumers: { path: 'consumers', columns: ['username', 'custom_id', 'tags'], wide: CREATED },
  plugins: { path: 'plugins', columns: ['name', 'enabled', 'service', 'route', 'consumer', 'protocols', 'tags'], wide: ['instance_name', ...CREATED] },
  certificates: { path: 'certificates', columns: ['snis', 'tags'], wide: CREATED, secrets: ['key', 'key_alt'] },
  snis: { path: 'snis', columns: ['name', 'certificate', 'tags'], wide: CREATED },
  ca_certificates: { path: 'ca_certificates', columns: ['cert_digest', 'tags'], wide: CREATED },
  targets: { path: 'targets', parent: UPSTREAM, columns: ['target', 'weight', 'tags'], wide: ['upstream', ...CREATED], label: 'target', keys: ['target'] },
  'key-auths': { path: 'key-auth', parent: CONSUMER, columns: ['key', 'ttl', 'tags'], wide: ['consumer', ...CREATED], secrets: ['key'], keys: ['key'] },
  'basic-auths': { path: 'basic-auth', parent: CONSUMER, columns: ['username', 'password', 'tags'], wide: ['consumer', ...CREATED], secrets: ['password'], label: 'username', keys: ['username'] },
  'hmac-auths': { path: 'hmac-auth', parent: CONSUMER, columns: ['username', 'secret', 'tags'], wide: ['consumer', ...CREATED], secrets: ['secret'], label: 'username', keys: ['username'] },
  // A jwt credential's key is the `iss` a token names it by, not a secret; its secret is.
  jwts: { path: 'jwt', parent: CONSUMER, columns: ['key', 'algorithm', 'secret', 'tags'], wide: ['consumer', ...CREATED], secrets: ['secret'], label: 'key', keys: ['key'] },
  acls: { path: 'acls', parent: CONSUMER, columns: ['group', 'tags'], wide: ['consumer', ...CREATED], label: 'group', keys: ['group'] },
};

const ALIASES: Record<string, string> = {
  service: 'services', route: 'routes', upstream: 'upstreams', consumer: 'consumers', plugin: 'plugins', certificate: 'certificates', cert: 'certificates',
  sni: 'snis', ca_certificate: 'ca_certificates', 'ca-certificates': 'ca_certificates', 'ca-certificate': 'ca_certificates',
  target: 'targets',
  'key-auth': 'key-auths', keyauth_credentials: 'key-auths', basicauth_credentials: 'basic-auths', 'basic-auth': 'basic-auths',
  'hmac-auth': 'hmac-auths', hmacauth_credentials: 'hmac-auths', jwt: 'jwts', jwt_secrets: 'jwts', acl: 'acls',
};

export type NamedResource = Resource & { name: string };

export function resourceOf(word: string): NamedResource {
  const name = RESOURCES[word] ? word : ALIASES[word];
  if (!name) throw new UsageError(`unknown entity '${word}'; one of ${Object.keys(RESOURCES).join(', ')}`);
  return { name, ...RESOURCES[name]! };
}

export const REDACTED = '(redacted)';

/**
 * Private keys and credential secrets stay on the CP: the entity says that they are set, not what they
 * are. A certificate's key is redacted only when it is one (a PEM private key), as Kong stores it.
 */
export function redact(res: Resource, r: Row): Row {
  const out: Row = { ...r };
  for (const k of res.secrets ?? []) {
    if (typeof out[k] !== 'string') continue;
    if (res.path === 'certificates' && !String(out[k]).includes('PRIVATE KEY')) continue;
    out[k] = REDACTED;
  }
  return out;
}

/** The parent flags given must be exactly the one the entity lives under. */
export function checkParent(res: NamedResource, given: { upstream?: string; consumer?: string }): string | undefined {
  for (const p of [UPSTREAM, CONSUMER]) {
    if (given[p.noun] !== undefined && res.parent !== p) {
      const under = Object.entries(RESOURCES).filter(([, r]) => r.parent === p).map(([n]) => n).join(', ');
      throw new UsageError(`${p.flag} applies to ${under}; ${res.name} are not under ${p.noun === 'upstream' ? 'an upstream' : 'a consumer'}`, { hint: `drop ${p.flag}` });
    }
  }
  if (!res.parent) return undefined;
  const ref = given[res.parent.noun];
  if (ref === undefined || ref === '') {
    throw new UsageError(`${res.name} belong to ${res.parent.noun === 'upstream' ? 'an upstream' : 'a consumer'}; pass ${res.parent.flag} NAME|ID`, { hint: `list them: hybridctl get ${res.parent.collection}` });
  }
  return ref;
}

async function getPath(client: AdminClient, path: string): Promise<Row | null> {
  try {
    return (await client.do('GET', path)).json as Row;
  } catch (err) {
    if (err instanceof ApiError && err.call.status === 404) return null;
    throw err;
  }
}

/** Where the resource's collection is: top level, or under the parent found by name or id (its absence is an error). */
export async function collectionPath(client: AdminClient, res: NamedResource, parentRef: string | undefined): Promise<{ path: string; parent?: Row }> {
  if (!res.parent) return { path: `/${res.path}` };
  const parent = await getPath(client, `/${res.parent.collection}/${encodeURIComponent(parentRef!)}`);
  if (!parent) throw new RuntimeError(`${res.parent.noun} '${parentRef!}' not found on the control plane at ${client.base}`, { hint: `list them: hybridctl get ${res.parent.collection}` });
  return { path: `/${res.parent.collection}/${String(parent.id)}/${res.path}`, parent };
}

async function find(client: AdminClient, res: NamedResource, ref: string, parentRef?: string): Promise<{ row: Row | null; path: string }> {
  const at = await collectionPath(client, res, parentRef);
  if (!res.parent) return { row: await getPath(client, `${at.path}/${encodeURIComponent(ref)}`), path: at.path };
  // Under a parent, a key (a target's host:port) is unique only there: look it up among the parent's own.
  const rows = await client.listAll(at.path, []);
  return { row: rows.find((r) => r.id === ref) ?? rows.find((r) => (res.keys ?? []).some((k) => r[k] === ref)) ?? null, path: at.path };
}

export async function getOne(client: AdminClient, res: NamedResource, ref: string, parentRef?: string): Promise<Row | null> {
  return (await find(client, res, ref, parentRef)).row;
}

export async function list(client: AdminClient, res: NamedResource, tags: string[], parentRef?: string): Promise<Row[]> {
  return client.listAll((await collectionPath(client, res, parentRef)).path, tags);
}

/** Kong answers 204 for a DELETE of what is not there; looking first lets the CLI say so (exit 1). */
export async function deleteOne(client: AdminClient, res: NamedResource, ref: string, parentRef?: string): Promise<Row | null> {
  const { row, path } = await find(client, res, ref, parentRef);
  if (!row) return null;
  await client.do('DELETE', `${path}/${String(row.id)}`);
  return row;
}
