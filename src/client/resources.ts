// get and delete: the Admin API's top-level collections by the names an operator types (singular or
// plural), each entity found by id or by its endpoint key (name, username) as Kong resolves it.
import { UsageError } from '../errors.js';
import { ApiError, type AdminClient } from './client.js';

type Row = Record<string, unknown>;

export interface Resource {
  /** The collection path and the name `get` prints. */
  path: string;
  /** Table columns after ID, in order. */
  columns: string[];
}

export const RESOURCES: Record<string, Resource> = {
  services: { path: 'services', columns: ['name', 'protocol', 'host', 'port', 'path', 'enabled', 'tags'] },
  routes: { path: 'routes', columns: ['name', 'service', 'protocols', 'hosts', 'paths', 'methods', 'tags'] },
  upstreams: { path: 'upstreams', columns: ['name', 'algorithm', 'slots', 'tags'] },
  consumers: { path: 'consumers', columns: ['username', 'custom_id', 'tags'] },
  plugins: { path: 'plugins', columns: ['name', 'enabled', 'service', 'route', 'consumer', 'protocols', 'tags'] },
  certificates: { path: 'certificates', columns: ['snis', 'tags'] },
  snis: { path: 'snis', columns: ['name', 'certificate', 'tags'] },
  ca_certificates: { path: 'ca_certificates', columns: ['cert_digest', 'tags'] },
};

const ALIASES: Record<string, string> = { service: 'services', route: 'routes', upstream: 'upstreams', consumer: 'consumers', plugin: 'plugins', certificate: 'certificates', cert: 'certificates', sni: 'snis', ca_certificate: 'ca_certificates', 'ca-certificates': 'ca_certificates' };

export function resourceOf(word: string): Resource & { name: string } {
  const name = RESOURCES[word] ? word : ALIASES[word];
  if (!name) throw new UsageError(`unknown entity '${word}'; one of ${Object.keys(RESOURCES).join(', ')}`);
  return { name, ...RESOURCES[name]! };
}

/** Private keys and credential secrets stay on the CP: `get` shows that they are set, not what they are. */
export function redact(r: Row): Row {
  const out: Row = { ...r };
  for (const k of ['key', 'key_alt']) if (typeof out[k] === 'string' && String(out[k]).includes('PRIVATE KEY')) out[k] = '(redacted)';
  return out;
}

export async function getOne(client: AdminClient, res: Resource & { name: string }, ref: string): Promise<Row | null> {
  try {
    return (await client.do('GET', `/${res.path}/${encodeURIComponent(ref)}`)).json as Row;
  } catch (err) {
    if (err instanceof ApiError && err.call.status === 404) return null;
    throw err;
  }
}

export async function list(client: AdminClient, res: Resource, tags: string[]): Promise<Row[]> {
  return client.listAll(`/${res.path}`, tags);
}

/** Kong answers 204 for a DELETE of what is not there; looking first lets the CLI say so (exit 1). */
export async function deleteOne(client: AdminClient, res: Resource & { name: string }, ref: string): Promise<Row | null> {
  const row = await getOne(client, res, ref);
  if (!row) return null;
  await client.do('DELETE', `/${res.path}/${String(row.id)}`);
  return row;
}
