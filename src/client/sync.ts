// decK's diff and sync: go-database-reconciler pkg/diff/diff.go (creates and updates in dependency
// order, then deletes in reverse), pkg/types/*.go (each kind's differ and CRUD), pkg/state/types.go
// (EqualWithOpts: timestamps ignored, tags and plugin protocols compared as sets, basic-auth passwords
// not compared) over go-kong's calls (kong/*_service.go).
import { DEPENDENCY_ORDER, GO_KONG_FIELDS, deletePath, writePath, type Kind } from './calls.js';
import { mapBounded } from '../util/bounded.js';
import { ApiError, type AdminClient, type State } from './client.js';

type Row = Record<string, unknown>;

export interface Event {
  op: 'create' | 'update' | 'delete';
  kind: Kind;
  obj: Row;
  old?: Row;
}

const sorted = (v: unknown) => (Array.isArray(v) ? [...(v as string[])].sort() : v);

/** What EqualWithOpts(ignoreID=false, ignoreTS=true) compares for a kind. */
function comparable(kind: Kind, r: Row): Row {
  const c: Row = { ...r };
  delete c.created_at;
  delete c.updated_at;
  if (Array.isArray(c.tags) && c.tags.length === 0) delete c.tags;
  if (c.tags) c.tags = sorted(c.tags);
  if (kind === 'plugins' && c.protocols) c.protocols = sorted(c.protocols);
  if (kind === 'basicauth_credentials') delete c.password;
  // The certificate differ compares without SNIs: they are entities of their own.
  if (kind === 'certificates') delete c.snis;
  return c;
}

/** reflect.DeepEqual over decoded values: key order does not matter, anything else does. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Row)[k], (b as Row)[k]));
}

/** The fields where current and target differ, for a readable failure. */
export function fieldDiff(kind: Kind, current: Row, target: Row): Row {
  const a = comparable(kind, current);
  const b = comparable(kind, target);
  const out: Row = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) if (!deepEqual(a[k], b[k])) out[k] = { current: a[k] ?? '(absent)', target: b[k] ?? '(absent)' };
  return out;
}

/** Syncer.diff: createUpdate level by level, then delete in reverse (duplicates need no pass: ids are reused). */
export function diff(current: State, target: State): Event[] {
  const events: Event[] = [];
  for (const level of DEPENDENCY_ORDER) {
    for (const kind of level) {
      for (const t of target[kind]) {
        const c = current[kind].find((r) => r.id === t.id);
        if (!c) events.push({ op: 'create', kind, obj: t });
        else if (!deepEqual(comparable(kind, c), comparable(kind, t))) events.push({ op: 'update', kind, obj: t, old: c });
      }
    }
  }
  for (const level of [...DEPENDENCY_ORDER].reverse()) {
    for (const kind of level) {
      for (const c of current[kind]) if (!target[kind].some((t) => t.id === c.id)) events.push({ op: 'delete', kind, obj: c });
    }
  }
  return events;
}

/**
 * A struct as encoding/json writes it with `omitempty`: nil, empty slices and empty maps left out, at
 * every depth of a struct; a plugin's `config` is a map[string]interface{} and goes as it is.
 */
export function goBody(kind: Kind, r: Row): Row {
  const omit = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(omit);
    if (typeof v !== 'object' || v === null) return v;
    const out: Row = {};
    for (const [k, x] of Object.entries(v)) {
      const y = omit(x);
      if (y === null || y === undefined || (Array.isArray(y) && y.length === 0) || (typeof y === 'object' && !Array.isArray(y) && Object.keys(y as Row).length === 0)) continue;
      out[k] = y;
    }
    return out;
  };
  const out: Row = {};
  for (const f of GO_KONG_FIELDS[kind]) {
    const v = r[f];
    if (f === 'config' && v && typeof v === 'object') out[f] = v;
    else {
      const y = omit({ v }) as Row;
      if ('v' in y) out[f] = y.v;
    }
  }
  return out;
}

/**
 * The certificate differ's GET /certificates/{id} before a create (pkg/types/certificate.go
 * createUpdateCertificate): a certificate with that id outside the dump is a duplicate; a 404 is fine.
 */
export async function checkNewCertificates(client: AdminClient, events: Event[]): Promise<void> {
  for (const e of events) {
    if (e.kind !== 'certificates' || e.op !== 'create') continue;
    try {
      await client.do('GET', `/certificates/${String(e.obj.id)}`);
    } catch (err) {
      if (err instanceof ApiError && err.call.status === 404) continue;
      throw err;
    }
    throw new Error(`certificate ${String(e.obj.id)} already exists (decK: duplicate entity)`);
  }
}

/** decK's default --parallelism: ten writes in flight (GDR pkg/diff Syncer). */
export const DEFAULT_PARALLELISM = 10;

/**
 * The events split where decK waits: every create and update of one dependency level, then every
 * delete of one level (deepest first). diff() already emits them in that order.
 */
export function stagesOf(events: Event[]): Array<Array<{ e: Event; i: number }>> {
  const stages: Array<Array<{ e: Event; i: number }>> = [];
  let last = '';
  for (const [i, e] of events.entries()) {
    const key = `${e.op === 'delete' ? 'delete' : 'write'}:${DEPENDENCY_ORDER.findIndex((l) => l.includes(e.kind))}`;
    if (key !== last) stages.push([]);
    last = key;
    stages.at(-1)!.push({ e, i });
  }
  return stages;
}

async function apply(client: AdminClient, e: Event, current: State): Promise<Row | undefined> {
  if (e.op === 'delete') {
    await client.do('DELETE', deletePath(e.kind, e.obj));
    return undefined;
  }
  const body = goBody(e.kind, e.obj);
  // An updated certificate carries its current SNI names: a PUT without them would delete them.
  if (e.kind === 'certificates' && e.op === 'update') {
    const names = current.snis.filter((s) => (s.certificate as Row).id === e.obj.id).map((s) => s.name);
    if (names.length) body.snis = names;
  }
  try {
    return (await client.do('PUT', writePath(e.kind, e.obj), body)).json as Row;
  } catch (err) {
    // kong/target_service.go Create: a PUT that 404s (Kong before 2.x) is retried as a POST.
    if (!(e.kind === 'targets' && err instanceof ApiError && err.call.status === 404)) throw err;
    return (await client.do('POST', `/upstreams/${String((e.obj.upstream as Row).id)}/targets`, body)).json as Row;
  }
}

export interface SyncOptions {
  /** Writes in flight at once within a stage; stages never overlap, so a route never precedes its service. */
  parallelism?: number;
  onEvent?: (e: Event, i: number) => void;
}

/** Applies the events as go-kong's services send them; returns the objects the CP answered with, in event order. */
export async function sync(client: AdminClient, events: Event[], current: State, o: SyncOptions = {}): Promise<Row[]> {
  const answers: Array<Row | undefined> = new Array(events.length);
  for (const stage of stagesOf(events)) {
    await mapBounded(stage, o.parallelism ?? DEFAULT_PARALLELISM, async ({ e, i }) => {
      o.onEvent?.(e, i);
      answers[i] = await apply(client, e, current);
    });
  }
  return answers.filter((a): a is Row => a !== undefined);
}
