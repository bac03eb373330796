// diff and apply: the CP's current state under the select tags, the file's target state (decK's
// builder and defaulter), every entity to write checked by the CP's own schema validation before
// anything is written, and decK's event list between the two.
import { InputError } from '../errors.js';
import type { Kind } from './calls.js';
import { ApiError, dump, type AdminClient, type State } from './client.js';
import { mapBounded } from '../util/bounded.js';
import { DEFAULT_PARALLELISM, diff, fieldDiff, goBody, type Event } from './sync.js';
import { buildTarget, fetchSchemas, pluginNames, type Schemas } from './target.js';

type Row = Record<string, unknown>;

export interface Plan {
  current: State;
  target: State;
  events: Event[];
  selectTags: string[];
}

/** The file's select tags and the flag's must agree: decK refuses a file written for other tags. */
export function selectTagsOf(path: string, file: Row, flag: string[]): string[] {
  const inFile = ((file._info as Row | undefined)?.select_tags as string[] | undefined) ?? [];
  if (flag.length && inFile.length && [...flag].sort().join(',') !== [...inFile].sort().join(',')) {
    throw new InputError(`${path}: _info.select_tags (${inFile.join(', ')}) differ from --select-tag (${flag.join(', ')})`, { hint: 'drop one of them or make them the same' });
  }
  return flag.length ? flag : inFile;
}

const SINGULAR: Record<Kind, string> = {
  certificates: 'certificate', consumers: 'consumer', snis: 'sni', services: 'service', upstreams: 'upstream',
  keyauth_credentials: 'key-auth credential', basicauth_credentials: 'basic-auth credential', hmacauth_credentials: 'hmac-auth credential',
  jwt_secrets: 'jwt secret', acls: 'acl', routes: 'route', targets: 'target', plugins: 'plugin',
};

/** How an operator recognises the entity: its kind and name (or key), plus the scope of a plugin. */
export function entityLabel(kind: Kind, r: Row, s?: State): string {
  const key = r.name ?? r.username ?? r.target ?? r.group ?? (kind === 'certificates' || kind.endsWith('credentials') || kind === 'jwt_secrets' ? undefined : r.key);
  let label = `${SINGULAR[kind]} ${key !== undefined ? JSON.stringify(key) : String(r.id)}`;
  if (kind === 'plugins' && s) {
    const scope = (['service', 'route', 'consumer'] as const).flatMap((f) => {
      const id = (r[f] as Row | undefined)?.id;
      if (!id) return [];
      const owner = s[`${f}s`].find((x) => x.id === id);
      return [`${f} ${String(owner?.name ?? owner?.username ?? id)}`];
    });
    label += scope.length ? ` on ${scope.join(', ')}` : ' (global)';
  }
  return label;
}

async function schemasFor(client: AdminClient, path: string, file: Row): Promise<Schemas> {
  const names = pluginNames(file);
  for (const name of names) {
    try {
      await client.do('GET', `/schemas/plugins/${name}`);
    } catch (err) {
      if (err instanceof ApiError && err.call.status === 404) throw new InputError(`${path}: plugin "${name}": not installed on the control plane at ${client.base}`, { hint: 'check the name, or enable it in the CP\'s plugins setting' });
      throw err;
    }
  }
  return fetchSchemas(client, names);
}

/**
 * POST /schemas/{entity}/validate for every create and update: a bad field stops the apply before any
 * write. The checks run concurrently; the one reported is the first bad entity in file order.
 */
async function validateWrites(client: AdminClient, path: string, events: Event[], target: State, parallelism: number): Promise<void> {
  const writes = events.filter((e) => e.op !== 'delete');
  const verdicts = await mapBounded(writes, parallelism, async (e) => {
    const at = e.kind === 'plugins' ? '/schemas/plugins/validate' : `/schemas/${e.kind}/validate`;
    try {
      await client.do('POST', at, goBody(e.kind, e.obj));
      return null;
    } catch (err) {
      if (!(err instanceof ApiError && err.call.status === 400)) throw err;
      return String((err.body as Row | null)?.message ?? 'schema violation');
    }
  });
  const bad = verdicts.findIndex((v) => v !== null);
  if (bad >= 0) {
    const e = writes[bad]!;
    throw new InputError(`${path}: ${entityLabel(e.kind, e.obj, target)}: ${verdicts[bad]!}`, { hint: 'fix the field in the file and run again; nothing was written' });
  }
}

export async function planSync(client: AdminClient, path: string, file: Row, flagTags: string[], parallelism = DEFAULT_PARALLELISM): Promise<Plan> {
  const selectTags = selectTagsOf(path, file, flagTags);
  const withTags: Row = selectTags.length ? { ...file, _info: { ...((file._info as Row | undefined) ?? {}), select_tags: selectTags } } : file;
  const current = await dump(client, { selectTags });
  const target = buildTarget(withTags, current, await schemasFor(client, path, withTags));
  const events = diff(current, target);
  await validateWrites(client, path, events, target, parallelism);
  return { current, target, events, selectTags };
}

/** Fields whose values are secrets: a diff says they change, never what they are. */
const SECRET_FIELDS = new Set(['key', 'key_alt', 'password', 'secret', 'rsa_public_key']);

export interface Change {
  op: Event['op'];
  kind: Kind;
  id: string;
  entity: string;
  /** update only: each changed field, its current and target value. */
  fields?: Record<string, { current: unknown; target: unknown }>;
}

export function changesOf(p: Plan): Change[] {
  return p.events.map((e) => {
    const c: Change = { op: e.op, kind: e.kind, id: String(e.obj.id), entity: entityLabel(e.kind, e.obj, e.op === 'delete' ? p.current : p.target) };
    if (e.op === 'update' && e.old) {
      const fields = fieldDiff(e.kind, e.old, e.obj) as Record<string, { current: unknown; target: unknown }>;
      for (const k of Object.keys(fields)) {
        if (SECRET_FIELDS.has(k) && e.kind !== 'acls') fields[k] = { current: '(secret)', target: '(secret, changed)' };
        if (fields[k]!.current === '(absent)') fields[k]!.current = null;
        if (fields[k]!.target === '(absent)') fields[k]!.target = null;
      }
      c.fields = fields;
    }
    return c;
  });
}

export function summaryOf(changes: Change[]): { create: number; update: number; delete: number } {
  return { create: changes.filter((c) => c.op === 'create').length, update: changes.filter((c) => c.op === 'update').length, delete: changes.filter((c) => c.op === 'delete').length };
}
