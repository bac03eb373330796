// Kong's sync v2 ("kong.sync.v2") on top of the cluster RPC: its methods, version strings, and the
// delta items a full sync is made of, converted to and from the config_table v1 pushes, so a v2
// data plane ends up with exactly what a v1 one gets (clustering/services/sync/rpc.lua,
// strategies/postgres.lua, db/declarative/export.lua's sync emitter).
import type { TableChange } from '../../entities/table-change.js';
import { SCHEMAS, isEntity } from '../../entities/schemas.js';
import { EMPTY_CONFIG_HASH } from './hash.js';
import { DeltaTable, pkOf } from './delta-table.js';

export const SYNC_V2 = 'kong.sync.v2';
export const GET_DELTA = `${SYNC_V2}.get_delta`;
export const NOTIFY_NEW_VERSION = `${SYNC_V2}.notify_new_version`;
export const NOTIFY_VALIDATION_ERROR = `${SYNC_V2}.notify_validation_error`;

/** Kong's VER_PREFIX and VER_DIGITS: "v02_" + 28 hex digits, 32 characters like a config hash. */
export const VERSION_PREFIX = 'v02_';
const VERSION_DIGITS = 28;
/** What Kong's DP reports for a version when the deltas carried none. */
export const NO_LATEST_VERSION = 'v02_deltas_have_no_latest_version_field';
/** Kong's CLUSTERING_DATA_PLANE_ERROR.DELTAS_PARSE and db/errors.lua SYNC_DELTAS (code 21). */
export const DELTAS_PARSE_ERROR = { name: 'sync deltas parse failure', code: 21 } as const;

/** Kong's fmt("v02_%028x", n). */
export function formatVersion(n: bigint): string {
  return VERSION_PREFIX + n.toString(16).padStart(VERSION_DIGITS, '0');
}

/** Kong's is_valid_version: the prefix, 32 characters, a hexadecimal rest. */
export function isValidVersion(v: unknown): v is string {
  return typeof v === 'string' && v.length === VERSION_PREFIX.length + VERSION_DIGITS && v.startsWith(VERSION_PREFIX) && /^[0-9a-fA-F]+$/.test(v.slice(VERSION_PREFIX.length));
}

/** What a DP that has no v2 version says it is at (Kong: get_current_hash() or the empty hash). */
export const UNKNOWN_VERSION = EMPTY_CONFIG_HASH;

/**
 * The one workspace hybridctl has, as a full sync names it: Kong's DP takes the id of the
 * workspace called "default" from the deltas and files every entity under it.
 */
export const DEFAULT_WORKSPACE_ID = '9c6a2c1e-5b0d-4a57-8e43-0f3b1d7a6e21';
const WORKSPACE_CREATED_AT = 1_700_000_000;

export interface Delta {
  type: string;
  /** null or absent: a deletion of `pk`. */
  entity?: Record<string, unknown> | null;
  version: string;
  ws_id?: string;
  pk?: Record<string, unknown>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const foreignFields = (type: string): string[] => (isEntity(type) ? Object.entries(SCHEMAS[type]!.fields).filter(([, f]) => f.type === 'foreign').map(([k]) => k) : []);

/**
 * A config_table as Kong's export_config_sync writes it: the default workspace first, then every
 * entity in the table's order, each with ws_id and foreign keys as { id }.
 */
export function tableToDeltas(table: Record<string, unknown>, version: string): Delta[] {
  const ws = DEFAULT_WORKSPACE_ID;
  const out: Delta[] = [{
    type: 'workspaces',
    entity: { id: ws, name: 'default', comment: null, config: {}, meta: {}, created_at: WORKSPACE_CREATED_AT, updated_at: WORKSPACE_CREATED_AT },
    version,
    ws_id: ws,
  }];
  for (const [type, rows] of Object.entries(table)) {
    if (type.startsWith('_') || !Array.isArray(rows)) continue;
    const fks = foreignFields(type);
    for (const row of rows as Record<string, unknown>[]) out.push(rowDelta(type, row, version, fks));
  }
  return out;
}

/** One config_table row as an upsert delta: ws_id, foreign keys as { id }. */
export function rowDelta(type: string, row: Record<string, unknown>, version: string, fks: string[] = foreignFields(type)): Delta {
  const entity: Record<string, unknown> = { ...row, ws_id: DEFAULT_WORKSPACE_ID };
  for (const fk of fks) if (typeof entity[fk] === 'string') entity[fk] = { id: entity[fk] };
  return { type, entity, version, ws_id: DEFAULT_WORKSPACE_ID };
}

/** A deletion as Kong's CP logs it (strategies/postgres.lua): entity null, the row's pk and workspace. */
export function deleteDelta(type: string, id: string, version: string): Delta {
  return { type, entity: null, pk: { id }, ws_id: DEFAULT_WORKSPACE_ID, version };
}

/** The `deltas` of a get_delta answer, checked for shape (a Kong CP's empty list arrives as {}). */
export function deltasOf(v: unknown): Delta[] {
  const list = Array.isArray(v) ? v : isRecord(v) && Object.keys(v).length === 0 ? [] : null;
  if (!list) throw new Error('sync get_delta error: deltas is not a list');
  list.forEach((d, i) => {
    const at = `deltas.${i + 1}`;
    if (!isRecord(d)) throw new Error(`${at}: expected a record`);
    if (typeof d.type !== 'string' || d.type === '') throw new Error(`${at}.type: expected a string`);
    if (typeof d.version !== 'string') throw new Error(`${at}.version: expected a string`);
    if (d.entity !== undefined && d.entity !== null && !isRecord(d.entity)) throw new Error(`${at}.entity: expected a record or null`);
    const ws = (isRecord(d.entity) ? d.entity.ws_id : undefined) ?? d.ws_id;
    // Kong's validate_deltas: "workspace id not found".
    if (isRecord(d.entity) && d.type !== 'workspaces' && typeof ws !== 'string') throw new Error(`${at}: workspace id not found`);
    if (!isRecord(d.entity) && !isRecord(d.pk)) throw new Error(`${at}: a deletion without pk`);
  });
  return list as Delta[];
}

/** The version a DP is at after applying these (Kong: the last delta's), or null for none. */
export function lastVersion(deltas: readonly Delta[]): string | null {
  return deltas.length > 0 ? deltas[deltas.length - 1]!.version : null;
}

/** An entity as config_table holds it: no ws_id, foreign keys as plain ids (Kong's v1 export). */
function tableRow(entity: Record<string, unknown>, fks: string[]): Record<string, unknown> {
  const row: Record<string, unknown> = { ...entity };
  delete row.ws_id;
  for (const fk of fks) {
    const ref = row[fk];
    if (isRecord(ref) && typeof ref.id === 'string') row[fk] = ref.id;
  }
  return row;
}

/**
 * The config_table these deltas describe: on their own for a full sync (`base` null), else
 * patched into `base` in order (upsert by primary key, delete by pk), one indexed lookup each.
 * Workspaces are not part of a config_table; every entity lands in the one hybridctl serves.
 */
export function deltasToTable(deltas: readonly Delta[], base: DeltaTable | Record<string, unknown> | null): Record<string, unknown> {
  const index = base instanceof DeltaTable ? base : new DeltaTable(base ?? { _format_version: '3.0', _transform: false });
  return index.patch(deltasToChanges(deltas));
}

/** The config_table rows these deltas change, in order (workspaces are not part of a config_table). */
export function deltasToChanges(deltas: readonly Delta[]): TableChange[] {
  const fkCache = new Map<string, string[]>();
  const changes: TableChange[] = [];
  for (const d of deltas) {
    if (d.type === 'workspaces') continue;
    let fks = fkCache.get(d.type);
    if (!fks) fkCache.set(d.type, (fks = foreignFields(d.type)));
    changes.push({ type: d.type, row: d.entity ? tableRow(d.entity, fks) : null, pk: pkOf(d) });
  }
  return changes;
}
