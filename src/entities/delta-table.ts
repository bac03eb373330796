// A data plane's config_table with its rows indexed by type and primary key, so each delta of an
// incremental sync costs one map operation instead of a scan of its family. The table handed out
// after a patch is a new object: families no delta touched keep their arrays.
import type { TableChange } from './table-change.js';

type Row = Record<string, unknown>;

/** The index key of a row or a delete's pk: its id (every hybridctl entity has one). */
const keyOf = (pk: Row): string => (typeof pk.id === 'string' ? pk.id : JSON.stringify(pk));

export class DeltaTable {
  /** Families indexed so far, each in the table's order (a Map keeps insertion order). */
  private readonly index = new Map<string, Map<string, Row>>();

  constructor(private table: Record<string, unknown>) {}

  /** The table this index stands for (a patch's result, or the one it was built on). */
  get current(): Record<string, unknown> {
    return this.table;
  }

  private family(type: string): Map<string, Row> {
    let rows = this.index.get(type);
    if (!rows) {
      rows = new Map();
      const list = this.table[type];
      if (Array.isArray(list)) for (const r of list as Row[]) rows.set(keyOf(r), r);
      this.index.set(type, rows);
    }
    return rows;
  }

  /**
   * Applies `rows` (already in config_table shape: upserts carry `row`, deletions `pk`) in order:
   * an update keeps the row's place, a create goes last, as the v1 export orders them.
   */
  patch(changes: readonly TableChange[]): Record<string, unknown> {
    const touched = new Set<string>();
    for (const c of changes) {
      const rows = this.family(c.type);
      touched.add(c.type);
      if (c.row) rows.set(keyOf(c.pk), c.row);
      else rows.delete(keyOf(c.pk));
    }
    const next: Record<string, unknown> = { ...this.table };
    for (const type of touched) {
      const rows = this.index.get(type)!;
      // An empty family is absent, as in a v1 export.
      if (rows.size === 0) delete next[type];
      else next[type] = [...rows.values()];
    }
    this.table = next;
    return next;
  }
}
