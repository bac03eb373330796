// One store transaction as SQL: the final state of every key written in a few set-based statements
// (a 100,000-row import is a handful of round trips, not 100,000), its constraint rows, and one
// entry in the change log the other control planes catch up from.
import type { ClientBase } from 'pg';
import { EntityError, compositeUniqueViolation, uniqueViolation } from '../../entities/index.js';
import type { Op } from '../persistence.js';

export interface Constraints {
  /** Index keys that must be unique across all rows (see constraints.ts). */
  unique(key: string, value: unknown): string[];
  /** Store keys the row references. */
  refs(key: string, value: unknown): string[];
}

/** Above this many keys the log says "read everything again" instead of carrying every row. */
export const RELOAD_ABOVE = 2000;

export async function writeOps(c: ClientBase, ops: Op[], nodeId: string, k: Constraints): Promise<number> {
  const last = new Map<string, unknown>();
  for (const op of ops) last.set(op.key, op.value);
  const deletes: string[] = [];
  const putKeys: string[] = [];
  const putValues: string[] = [];
  const uIndex: string[] = [];
  const uOwner: string[] = [];
  const rOwner: string[] = [];
  const rTarget: string[] = [];
  for (const [key, value] of last) {
    if (value === undefined) {
      deletes.push(key);
      continue;
    }
    putKeys.push(key);
    putValues.push(JSON.stringify(value));
    for (const u of k.unique(key, value)) uIndex.push(u), uOwner.push(key);
    for (const t of k.refs(key, value)) rOwner.push(key), rTarget.push(t);
  }
  if (deletes.length) await c.query('delete from hybridctl_rows where key = any($1::text[])', [deletes]);
  if (putKeys.length) {
    await c.query('delete from hybridctl_unique where owner = any($1::text[])', [putKeys]);
    await c.query('delete from hybridctl_refs where owner = any($1::text[])', [putKeys]);
    await c.query(
      'insert into hybridctl_rows (key, value) select k, v::json from unnest($1::text[], $2::text[]) as t(k, v) on conflict (key) do update set value = excluded.value',
      [putKeys, putValues],
    );
  }
  if (uIndex.length) await c.query('insert into hybridctl_unique (index, owner) select * from unnest($1::text[], $2::text[])', [uIndex, uOwner]);
  if (rOwner.length) await c.query('insert into hybridctl_refs (owner, target) select * from unnest($1::text[], $2::text[]) on conflict do nothing', [rOwner, rTarget]);
  const logged = last.size > RELOAD_ABOVE ? null : JSON.stringify([...last].map(([key, value]) => ({ key, value: value ?? null })));
  const r = await c.query<{ version: string }>('insert into hybridctl_changes (node, ops) values ($1, $2::json) returning version', [nodeId, logged]);
  const version = Number(r.rows[0]!.version);
  await c.query("select pg_notify('hybridctl_changes', $1)", [String(version)]);
  return version;
}

/** How many versions of the change log are kept: a node further behind reads everything again. */
export const KEEP_VERSIONS = 10_000;

export async function pruneLog(c: ClientBase, version: number): Promise<void> {
  const upto = version - KEEP_VERSIONS;
  if (upto <= 0) return;
  await c.query('delete from hybridctl_changes where version <= $1', [upto]);
  await c.query('update hybridctl_sync set pruned_upto = greatest(pruned_upto, $1)', [upto]);
}

/**
 * A constraint the database caught that this node's rows did not (the rows it checked were current,
 * so this means a bug or a hand-edited database): Kong's error for it, not a 500.
 */
export function constraintError(err: unknown): EntityError | null {
  const e = err as { code?: string; detail?: string; constraint?: string };
  if (e?.code === '23505') {
    const m = /\(index\)=\(([^|]*)\|([^|]*)\|[^|]*\|(.*)\) already exists/.exec(e.detail ?? '');
    if (m) {
      let value: unknown = m[3];
      try {
        value = JSON.parse(m[3]!);
      } catch {
        // keep the text
      }
      if (m[2] === 'cache_key' && value && typeof value === 'object') return compositeUniqueViolation(value as Record<string, unknown>);
      return uniqueViolation(m[2]!, value);
    }
  }
  if (e?.code === '23503') {
    return new EntityError(409, { code: 4, name: 'foreign key violation', message: `a row another entity references was removed by a concurrent write (${e.detail ?? e.constraint ?? 'foreign key'}); read it back and retry` });
  }
  return null;
}
