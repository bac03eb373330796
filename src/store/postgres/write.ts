// One store transaction as SQL: the final state of every key written in a few set-based statements
// (a 100,000-row import is a handful of round trips, not 100,000), its constraint rows, and one
// entry in the change log the other control planes catch up from.
import type { ClientBase } from 'pg';
import { EntityError, compositeUniqueViolation, uniqueViolation } from '../../entities/index.js';
import type { Op } from '../persistence.js';
import type { Mark } from '../change-log.js';

export interface Constraints {
  /** Index keys that must be unique across all rows (see constraints.ts). */
  unique(key: string, value: unknown): string[];
  /** Store keys the row references. */
  refs(key: string, value: unknown): string[];
}

/** Above this many keys the log says "read everything again" instead of carrying every row. */
export const RELOAD_ABOVE = 2000;

/** Time a write of `n` keys may take: the configured timeout, plus a millisecond per key for imports. */
export const writeBudgetMs = (timeoutMs: number, n: number) => timeoutMs + n;

/** `marks`: how the commit was told to data planes (change-log.ts), kept on its logged ops for nodes starting later. */
export async function writeOps(c: ClientBase, ops: Op[], nodeId: string, c_: Constraints, timeoutMs: number, marks: ReadonlyMap<string, Mark> | null = null): Promise<number> {
  const budget = writeBudgetMs(timeoutMs, ops.length);
  // The server gives up first (and rolls back), the client a second later.
  const q = <R extends object = Record<string, unknown>>(text: string, values: unknown[]) => c.query<R>({ text, values, query_timeout: budget + 1000 } as never);
  if (budget !== timeoutMs) await c.query(`set local statement_timeout = ${budget}`);
  const last = new Map<string, unknown>();
  for (const op of ops) last.set(op.key, op.value);
  // Arrays travel as one JSON document each: PostgreSQL parses JSON far faster than array literals.
  const deletes: string[] = [];
  const putKeys: string[] = [];
  const puts: string[] = [];
  const unique: string[] = [];
  const refs: string[] = [];
  for (const [key, value] of last) {
    if (value === undefined) {
      deletes.push(key);
      continue;
    }
    const k = JSON.stringify(key);
    putKeys.push(key);
    puts.push(`{"k":${k},"v":${JSON.stringify(value)}}`);
    for (const u of c_.unique(key, value)) unique.push(`{"i":${JSON.stringify(u)},"o":${k}}`);
    for (const t of c_.refs(key, value)) refs.push(`{"o":${k},"t":${JSON.stringify(t)}}`);
  }
  const keys = (list: string[]) => JSON.stringify(list);
  const docs = (list: string[]) => `[${list.join(',')}]`;
  if (deletes.length) await q('delete from hybridctl_rows r using json_array_elements_text($1::json) as t(k) where r.key = t.k', [keys(deletes)]);
  if (putKeys.length) {
    await q('delete from hybridctl_unique u using json_array_elements_text($1::json) as t(k) where u.owner = t.k', [keys(putKeys)]);
    await q('delete from hybridctl_refs f using json_array_elements_text($1::json) as t(k) where f.owner = t.k', [keys(putKeys)]);
    await q('insert into hybridctl_rows (key, value) select k, v from json_to_recordset($1::json) as t(k text, v json) on conflict (key) do update set value = excluded.value', [docs(puts)]);
  }
  if (unique.length) await q('insert into hybridctl_unique (index, owner) select i, o from json_to_recordset($1::json) as t(i text, o text)', [docs(unique)]);
  if (refs.length) await q('insert into hybridctl_refs (owner, target) select o, t from json_to_recordset($1::json) as t(o text, t text) on conflict do nothing', [docs(refs)]);
  const logged = last.size > RELOAD_ABOVE ? null : JSON.stringify([...last].map(([key, value]) => ({ key, value: value ?? null, t: marks?.get(key) })));
  const r = await q<{ version: string }>('insert into hybridctl_changes (node, ops) values ($1, $2::json) returning version', [nodeId, logged]);
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
