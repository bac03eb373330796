// The config_table a control plane pushes (Kong's declarative export for data planes): every
// entity with all its fields, unset as null, foreign keys as plain ids, disabled services (with
// their routes and plugins) and disabled plugins left out.
import { ENTITY_ORDER, SCHEMAS, type EntityName } from './schemas.js';
import type { Row } from './validate.js';

export type Rows = Record<EntityName, Row[]>;

export function emptyRows(): Rows {
  return Object.fromEntries(ENTITY_ORDER.map((e) => [e, []])) as unknown as Rows;
}

const refId = (v: unknown): string | null => (v && typeof v === 'object' && typeof (v as Row).id === 'string' ? ((v as Row).id as string) : typeof v === 'string' ? v : null);

export function toConfigTable(rows: Rows): Record<string, unknown> {
  const table: Record<string, unknown> = { _format_version: '3.0', _transform: false };
  const disabledServices = new Set<string>();
  const disabledRoutes = new Set<string>();
  for (const name of ENTITY_ORDER) {
    const schema = SCHEMAS[name]!;
    const fks = Object.entries(schema.fields).filter(([, f]) => f.type === 'foreign').map(([k]) => k);
    const out: Row[] = [];
    for (const row of rows[name]) {
      if (name === 'services' && row.enabled === false) {
        disabledServices.add(row.id as string);
        continue;
      }
      if (name === 'routes' && disabledServices.has(refId(row.service) ?? '')) {
        disabledRoutes.add(row.id as string);
        continue;
      }
      if (name === 'plugins' && row.enabled === false) continue;
      let skip = false;
      for (const fk of fks) {
        const id = refId(row[fk]);
        if (id && (disabledServices.has(id) || disabledRoutes.has(id))) skip = true;
      }
      if (!skip) out.push(configRow(name, row, fks));
    }
    if (out.length > 0) table[name] = out;
  }
  return table;
}

const fkCache = new Map<EntityName, string[]>();
const foreignKeys = (name: EntityName): string[] => {
  let fks = fkCache.get(name);
  if (!fks) fkCache.set(name, (fks = Object.entries(SCHEMAS[name]!.fields).filter(([, f]) => f.type === 'foreign').map(([k]) => k)));
  return fks;
};

/** One stored row as the config_table holds it: every field, unset as null, foreign keys as plain ids. */
export function configRow(name: EntityName, row: Row, fks: string[] = foreignKeys(name)): Row {
  const copy: Row = {};
  for (const [k, f] of Object.entries(SCHEMAS[name]!.fields)) if (!f.transient) copy[k] = row[k] ?? null;
  for (const fk of fks) copy[fk] = refId(row[fk]);
  return copy;
}
