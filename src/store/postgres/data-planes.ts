// clustering_data_planes shared by every control plane on the database: each CP records the data
// planes connected to it, and any CP lists all of them, each row living for its ttl (Kong's
// cluster_data_plane_purge_delay) after it was last written.
import type pg from 'pg';
import type { StoredDataPlane } from '../persistence.js';

const now = () => Math.floor(Date.now() / 1000);
// Expired rows are deleted now and then, not on every list.
const PURGE_EVERY_MS = 60_000;

export function dataPlaneTable(pool: pg.Pool) {
  let lastPurge = 0;
  return {
    async upsert(row: StoredDataPlane): Promise<void> {
      const t = now();
      const value = { ...row, updated_at: t };
      delete value.created_at;
      await pool.query(
        `insert into hybridctl_data_planes (id, row, created_at, expires_at) values ($1, $2::json, $3, now() + make_interval(secs => $4))
         on conflict (id) do update set row = excluded.row, expires_at = excluded.expires_at`,
        [row.id, JSON.stringify(value), t, row.ttl],
      );
    },
    async list(): Promise<StoredDataPlane[]> {
      if (Date.now() - lastPurge > PURGE_EVERY_MS) {
        lastPurge = Date.now();
        await pool.query('delete from hybridctl_data_planes where expires_at <= now()');
      }
      const r = await pool.query<{ row: StoredDataPlane; created_at: string }>('select row, created_at from hybridctl_data_planes where expires_at > now()');
      return r.rows.map(({ row: { updated_at, ...rest }, created_at }) => ({ ...rest, created_at: Number(created_at), updated_at }) as StoredDataPlane).sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : a.id < b.id ? -1 : 1));
    },
  };
}
