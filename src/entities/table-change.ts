// One row of a config_table changed by an incremental sync: the row as the table holds it (an
// upsert), or null with the primary key of the row that went away.
export interface TableChange {
  type: string;
  row: Record<string, unknown> | null;
  pk: Record<string, unknown>;
}
