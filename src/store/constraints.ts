// Kong's unique and foreign keys of a row, in one place: the in-memory checks use them, and a shared
// database stores them as its own constraint rows so two control planes cannot both win.
import { SCHEMAS, compositeUniqueViolation, uniqueViolation, type EntityName, type Row } from '../entities/index.js';

/** A unique key of a row: the field reported in Kong's error, its value, and the index key. */
export interface UniqueKey {
  field: string;
  value: unknown;
  /** The parent's id, for keys unique within a parent. */
  scope?: string;
  /** A composite key's fields, as Kong's error reports them. */
  fields?: Record<string, unknown>;
  /** entity|field|scope|value: equal for two rows exactly when Kong calls them duplicates. */
  index: string;
}

// Unique within a parent rather than globally (Kong's composite unique keys).
const SCOPED: Partial<Record<EntityName, { field: string; parent: string }>> = {
  acls: { field: 'group', parent: 'consumer' },
  targets: { field: 'target', parent: 'upstream' },
};

export function uniqueKeysOf(entity: EntityName, row: Row): UniqueKey[] {
  const out: UniqueKey[] = [];
  for (const [k, f] of Object.entries(SCHEMAS[entity]!.fields)) {
    if (!f.unique || row[k] === null || row[k] === undefined) continue;
    out.push({ field: k, value: row[k], index: `${entity}|${k}||${JSON.stringify(row[k])}` });
  }
  if (entity === 'plugins') {
    const fields = pluginCacheKey(row);
    out.push({ field: 'cache_key', value: null, fields, index: `plugins|cache_key||${JSON.stringify(fields)}` });
  }
  const scoped = SCOPED[entity];
  if (scoped && row[scoped.field] !== null && row[scoped.field] !== undefined) {
    const parent = (row[scoped.parent] as Row | null)?.id ?? '';
    out.push({ field: scoped.field, value: row[scoped.field], scope: String(parent), index: `${entity}|${scoped.field}|${String(parent)}|${JSON.stringify(row[scoped.field])}` });
  }
  return out;
}

/** Store keys (`e:<entity>:<id>`) of the rows this row references. */
export function referencesOf(entity: EntityName, row: Row): string[] {
  const out: string[] = [];
  for (const [k, f] of Object.entries(SCHEMAS[entity]!.fields)) {
    if (f.type !== 'foreign' || !f.reference || !SCHEMAS[f.reference as EntityName]) continue;
    const id = (row[k] as Row | null | undefined)?.id;
    if (typeof id === 'string') out.push(`e:${f.reference}:${id}`);
  }
  return out;
}

// Kong's plugins cache_key: one plugin of a name per route/service/consumer combination.
function pluginCacheKey(row: Row): Record<string, unknown> {
  const ref = (k: string) => {
    const id = (row[k] as Row | null | undefined)?.id;
    return typeof id === 'string' ? { id } : null;
  };
  return { consumer: ref('consumer'), name: row.name, route: ref('route'), service: ref('service') };
}

/** Kong's unique violation for the first key of `row` another row of `table` already holds. */
export function checkUnique(entity: EntityName, row: Row, table: ReadonlyMap<string, Row>): void {
  const parent = SCOPED[entity]?.parent;
  for (const u of uniqueKeysOf(entity, row)) {
    if (u.fields) {
      for (const other of table.values()) if (other.id !== row.id && uniqueKeysOf(entity, other).some((o) => o.index === u.index)) throw compositeUniqueViolation(u.fields);
      continue;
    }
    for (const other of table.values()) {
      if (other.id === row.id || other[u.field] !== u.value) continue;
      if (u.scope === undefined || String((other[parent!] as Row | null)?.id ?? '') === u.scope) throw uniqueViolation(u.field, u.value);
    }
  }
}
