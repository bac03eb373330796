// The config_table a control plane pushes (Kong's declarative export for data planes): every
// entity with all its fields, unset as null, foreign keys as plain ids, disabled services (with
// their routes and plugins) and disabled plugins left out.
import { ENTITY_ORDER, SCHEMAS, type EntityName } from './schemas.js';
import type { Row } from './validate.js';

export type Rows = Record<EntityName, Row[]>;

export function emptyRows(): Rows {
  return Object.fromEntries(ENTITY_ORDER.map((e) => [e, []])) as unknown as Rows;
}

export const refId = (v: unknown): string | null => (v && typeof v === 'object' && typeof (v as Row).id === 'string' ? ((v as Row).id as string) : typeof v === 'string' ? v : null);

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

/**
 * Where `toConfigTable` puts one row, given which services it drops (disabled) and which routes
 * (those of a dropped service): `in` or `out`, or `unsure` where the answer depends on the order of
 * rows within a family (a service whose foreign key names a dropped service's id, a route naming a
 * dropped route's id: possible only with ids shared across entities). Mirrors the loop above step by
 * step, so that a change log can tell which changes reach a data plane as they are.
 */
export function exportState(name: EntityName, row: Row, droppedService: (id: string) => boolean, droppedRoute: (id: string) => boolean): 'in' | 'out' | 'unsure' {
  if (name === 'services' && row.enabled === false) return 'out';
  if (name === 'routes' && droppedService(refId(row.service) ?? '')) return 'out';
  if (name === 'plugins' && row.enabled === false) return 'out';
  // While the export walks a family, only the families before it are complete in its drop sets.
  const at = ENTITY_ORDER.indexOf(name);
  const services = ENTITY_ORDER.indexOf('services');
  const routes = ENTITY_ORDER.indexOf('routes');
  let state: 'in' | 'unsure' = 'in';
  for (const fk of foreignKeys(name)) {
    const id = refId(row[fk]);
    if (!id) continue;
    for (const [dropped, family] of [[droppedService, services], [droppedRoute, routes]] as const) {
      if (at < family || !dropped(id)) continue;
      if (at > family) return 'out';
      state = 'unsure';
    }
  }
  return state;
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
