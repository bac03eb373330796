// The pk a sync v2 delta names, and the indexed config_table deltas are patched into.
import type { Delta } from './sync-v2.js';

export { DeltaTable } from '../../entities/delta-table.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The pk a delta names: its own, or its entity's id. */
export function pkOf(d: Delta): Record<string, unknown> {
  return d.pk ?? (isRecord(d.entity) && typeof d.entity.id === 'string' ? { id: d.entity.id } : {});
}
