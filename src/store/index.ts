// The control plane's store: Kong's entities with unique and foreign keys enforced, every change a
// single transaction, rows kept in memory for reads and exports and persisted underneath.
import type { DataPlaneRow, EntityName, PluginCatalogue, Row, Rows } from '../entities/index.js';
import type { Logger } from '../log.js';
import { openLmdbPersistence, memoryPersistence } from './persistence.js';
import { EntityStore } from './entity-store.js';
import type { ChangeFeed } from './change-log.js';
import { referencesOf, uniqueKeysOf } from './constraints.js';
import { openPostgresPersistence } from './postgres/persistence.js';
import type { PgConfig } from './postgres/config.js';

export type { PgConfig } from './postgres/config.js';
export type { ChangeEntry, ChangeFeed } from './change-log.js';
export { StoreUnavailable, isUnavailable, describePg } from './postgres/config.js';
export { migrateDatabase, type SchemaState } from './postgres/migrations.js';
export interface Page {
  data: Row[];
  /** Token for the next page, null on the last one. */
  offset: string | null;
}

export interface ChangeInfo {
  entity: string;
  op: 'create' | 'update' | 'delete' | 'import';
}

export interface Store {
  list(entity: EntityName, opts?: { size?: number; offset?: string; where?: (r: Row) => boolean }): Promise<Page>;
  /** By id, or by the entity's alternate key (name, username, target). */
  get(entity: EntityName, idOrKey: string): Promise<Row | null>;
  insert(entity: EntityName, input: unknown): Promise<Row>;
  update(entity: EntityName, idOrKey: string, patch: unknown): Promise<Row>;
  /** PUT: create or replace at this id or key. */
  upsert(entity: EntityName, idOrKey: string, input: unknown): Promise<Row>;
  delete(entity: EntityName, idOrKey: string): Promise<boolean>;
  /** Replace everything (declarative import), in one transaction. */
  replaceAll(rows: Rows): Promise<void>;
  counts(): Record<EntityName, number>;
  exportRows(): Rows;
  exportConfigTable(): Promise<Record<string, unknown>>;
  onChange(listener: (info: ChangeInfo) => void): () => void;
  /** Every commit's rows, in commit order, for the last versions (sync v2's deltas). */
  changes(): ChangeFeed;
  upsertDataPlane(row: DataPlaneRow & { ttl: number }): Promise<void>;
  listDataPlanes(now?: Date): Promise<DataPlaneRow[]>;
  /** Whether the database answers now (an embedded store always does). */
  reachable(): Promise<boolean>;
  close(): Promise<void>;
}

/** `plugins`: the node's enabled plugins, which check every plugin row written. */
export function openMemoryStore(plugins?: PluginCatalogue): Store {
  return new EntityStore(memoryPersistence(), plugins);
}

export async function openLmdbStore(dir: string, plugins?: PluginCatalogue): Promise<Store> {
  return new EntityStore(await openLmdbPersistence(dir), plugins);
}

/** Several control planes on one PostgreSQL database (migrated with `hybridctl cp migrations`). */
export async function openPostgresStore(cfg: PgConfig, o: { nodeId: string; log: Logger; plugins?: PluginCatalogue; safetyPollMs?: number }): Promise<Store> {
  const row = (value: unknown) => value as { e: EntityName; r: Row };
  const p = await openPostgresPersistence(cfg, {
    ...o,
    constraints: {
      unique: (key, v) => (key.startsWith('e:') ? uniqueKeysOf(row(v).e, row(v).r).map((u) => u.index) : []),
      refs: (key, v) => (key.startsWith('e:') ? referencesOf(row(v).e, row(v).r) : []),
    },
  });
  return new EntityStore(p, o.plugins);
}
