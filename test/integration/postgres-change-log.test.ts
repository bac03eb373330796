// A control plane starting on a shared PostgreSQL database seeds its sync v2 change log from the
// database's kept commits, so a data plane synced before the start gets a delta, not a full sync:
// the same delta the node that wrote those commits answers with.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { migrateDatabase, openPostgresStore, type PgConfig } from '../../src/store/index.js';
import { startPostgres, type Postgres } from '../helpers/postgres.js';

let server: Postgres;
const log = createLogger({ level: 'error', format: 'json', write: () => undefined });

beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

describe('a control plane starting on a shared database', () => {
  it('answers a delta from before its start as the writing node does, and a full sync where a commit carries no marks', async () => {
    const db = await server.createDatabase();
    const cfg: PgConfig = { host: db.host, port: db.port, user: db.user, password: db.password, database: db.database, ssl: false, sslVerify: false, caPems: [], timeoutMs: 3000, maxConcurrent: 0 };
    await migrateDatabase(cfg, 'bootstrap');
    const a = await openPostgresStore(cfg, { nodeId: 'node-a', log, safetyPollMs: 60_000 });
    await a.insert('services', { name: 's0', url: 'http://127.0.0.1:9/a' });
    await a.insert('services', { name: 'off', url: 'http://127.0.0.1:9/b', enabled: false });
    await a.insert('routes', { name: 'r0', paths: ['/r0'], service: { name: 's0' } });
    const v0 = a.changes().version();
    // Told as a row, not at all (a disabled service changed), a row, a deletion (plugin disabled), a row.
    await a.update('routes', 'r0', { paths: ['/moved'] });
    await a.update('services', 'off', { retries: 3 });
    const plugin = await a.insert('plugins', { name: 'correlation-id', route: { name: 'r0' } });
    await a.update('plugins', plugin.id as string, { enabled: false });
    await a.insert('consumers', { username: 'c0' });
    const v1 = a.changes().version();
    const written = a.changes().since(v0, v1);
    expect(written).not.toBeNull();
    expect(written!.map((c) => [c.entity, c.row === null ? 'deleted' : (c.row.name ?? c.row.username)])).toEqual([
      ['routes', 'r0'], ['plugins', 'correlation-id'], ['plugins', 'deleted'], ['consumers', 'c0'],
    ]);

    const b = await openPostgresStore(cfg, { nodeId: 'node-b', log, safetyPollMs: 60_000 });
    expect(b.changes().version()).toBe(v1);
    expect(b.changes().since(v0, v1)).toEqual(written);

    // A commit logged without marks (an older version wrote it) cannot be told as rows by a node that starts later.
    await server.query(`update hybridctl_changes set ops = (select json_agg(json_build_object('key', o->>'key', 'value', o->'value')) from json_array_elements(ops) o) where version = ${v1}`, [], db.database);
    const c = await openPostgresStore(cfg, { nodeId: 'node-c', log, safetyPollMs: 60_000 });
    expect(c.changes().since(v0, v1)).toBeNull();
    expect(c.changes().since(v0, v1 - 1)).toEqual(written!.slice(0, -1));
    await Promise.all([a.close(), b.close(), c.close()]);
  }, 60_000);
});
