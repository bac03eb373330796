// The store on a real PostgreSQL shared by two nodes (two stores in this process, each with its own
// pool and LISTEN connection, exactly as two control planes would have): migrations, propagation,
// constraints held by the database, outages and catch-up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { migrateDatabase, openPostgresStore, StoreUnavailable, type PgConfig, type Store } from '../../src/store/index.js';
import { EntityError } from '../../src/entities/index.js';
import { RELOAD_ABOVE } from '../../src/store/postgres/write.js';
import { startPostgres, type Postgres, type PgConnection } from '../helpers/postgres.js';
import { until } from '../helpers/cluster.js';

let server: Postgres;
const lines: string[] = [];
const log = createLogger({ level: 'info', format: 'json', write: (l) => void lines.push(l) });

const cfgOf = (c: PgConnection, extra: Partial<PgConfig> = {}): PgConfig => ({
  host: c.host, port: c.port, user: c.user, password: c.password, database: c.database, ssl: false, sslVerify: false, caPems: [], timeoutMs: 3000, maxConcurrent: 0, ...extra,
});

beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

async function twoNodes(): Promise<{ a: Store; b: Store; cfg: PgConfig; db: PgConnection }> {
  const db = await server.createDatabase();
  const cfg = cfgOf(db);
  await migrateDatabase(cfg, 'bootstrap');
  const a = await openPostgresStore(cfg, { nodeId: 'node-a', log, safetyPollMs: 60_000 });
  const b = await openPostgresStore(cfg, { nodeId: 'node-b', log, safetyPollMs: 60_000 });
  return { a, b, cfg, db };
}

describe('migrations', () => {
  it('refuses an un-bootstrapped database with the command to run, and bootstraps once when two nodes race', async () => {
    const db = await server.createDatabase();
    const cfg = cfgOf(db);
    await expect(openPostgresStore(cfg, { nodeId: 'n', log })).rejects.toMatchObject({ message: expect.stringContaining('has not been bootstrapped'), hint: expect.stringContaining('hybridctl cp migrations bootstrap') });
    expect((await migrateDatabase(cfg, 'status')).state).toMatchObject({ bootstrapped: false, executed: [] });
    const [x, y] = await Promise.all([migrateDatabase(cfg, 'bootstrap'), migrateDatabase(cfg, 'bootstrap')]);
    // The lock makes one run the migration and the other find it done.
    expect([...x.ran, ...y.ran]).toEqual(['000_base']);
    const rows = await server.query<{ name: string }>('select name from hybridctl_schema_migrations', [], db.database);
    expect(rows.map((r) => r.name)).toEqual(['000_base']);
    expect((await migrateDatabase(cfg, 'up')).ran).toEqual([]);
    const store = await openPostgresStore(cfg, { nodeId: 'n', log });
    await store.close();
  }, 30_000);
});

describe('two control planes on one database', () => {
  it('a write on one node reaches the other, which announces it to its listeners', async () => {
    const { a, b } = await twoNodes();
    let changed = 0;
    b.onChange(() => void (changed += 1));
    const svc = await a.insert('services', { name: 's1', url: 'http://127.0.0.1:9/x' });
    const seen = await until(async () => (await b.get('services', 's1')) ?? undefined, 'service on node b', 5000);
    expect(seen).toEqual(svc);
    expect(changed).toBeGreaterThan(0);
    await b.update('services', 's1', { retries: 2 });
    await until(async () => (await a.get('services', 's1'))?.retries === 2, 'update on node a', 5000);
    // A route on b referencing a's service: the foreign key resolves against what a wrote.
    await b.insert('routes', { name: 'r1', paths: ['/x'], service: { name: 's1' } });
    await until(async () => (await a.get('routes', 'r1')) ?? undefined, 'route on node a', 5000);
    await expect(a.delete('services', 's1')).rejects.toMatchObject({ status: 400 });
    await a.close();
    await b.close();
  }, 30_000);

  it('50 parallel creates of one name across two nodes give exactly one success', async () => {
    const { a, b } = await twoNodes();
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).insert('consumers', { username: 'dup' })));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const conflicts = results.filter((r) => r.status === 'rejected' && (r.reason as EntityError).status === 409);
    expect(ok).toHaveLength(1);
    expect(conflicts).toHaveLength(49);
    expect((await a.list('consumers')).data).toHaveLength(1);
    await until(async () => (await b.list('consumers')).data.length === 1, 'b has one', 5000);
    await a.close();
    await b.close();
  }, 60_000);

  it('keeps unique and foreign keys in the database itself', async () => {
    const { a, b, db } = await twoNodes();
    const c = await a.insert('consumers', { username: 'alice' });
    // A second row with alice's unique key, written around the store: the database refuses it.
    await expect(
      server.query(`insert into hybridctl_rows values ('e:consumers:x', '{}'); insert into hybridctl_unique values ('consumers|username||"alice"', 'e:consumers:x')`, [], db.database),
    ).rejects.toMatchObject({ code: '23505' });
    // Removing alice's row while a credential references it fails when the transaction commits.
    await a.insert('keyauth_credentials', { key: 'k-1', consumer: { id: c.id } });
    await expect(server.query(`delete from hybridctl_rows where key = 'e:consumers:${c.id as string}'`, [], db.database)).rejects.toMatchObject({ code: '23503' });
    // Through the store, the consumer goes with its credential (Kong's cascade), on both nodes.
    await until(async () => (await b.list('keyauth_credentials')).data.length === 1, 'credential on b', 5000);
    await b.delete('consumers', 'alice');
    await until(async () => (await a.list('keyauth_credentials')).data.length === 0 && !(await a.get('consumers', 'alice')), 'cascade on a', 5000);
    const left = await server.query<{ n: string }>('select count(*)::text as n from hybridctl_refs', [], db.database);
    expect(left[0]!.n).toBe('0');
    await a.close();
    await b.close();
  }, 30_000);

  it('a large import reaches the other node as one reload', async () => {
    const { a, b, db } = await twoNodes();
    const rows = a.exportRows();
    rows.consumers = Array.from({ length: RELOAD_ABOVE + 50 }, (_, i) => ({ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, username: `u${i}`, custom_id: null, tags: null }));
    await a.replaceAll(rows);
    const logged = await server.query<{ ops: unknown }>('select ops from hybridctl_changes order by version desc limit 1', [], db.database);
    expect(logged[0]!.ops).toBeNull();
    await until(async () => b.counts().consumers === RELOAD_ABOVE + 50, 'b reloaded', 10_000);
    expect((await b.get('consumers', 'u7'))?.id).toBe('00000000-0000-4000-8000-000000000007');
    await a.close();
    await b.close();
  }, 30_000);

  it('an import takes the time it needs: pg_timeout bounds each statement of a small write, not a large one', async () => {
    const db = await server.createDatabase();
    const cfg = cfgOf(db, { timeoutMs: 150 });
    await migrateDatabase(cfg, 'bootstrap');
    const a = await openPostgresStore(cfg, { nodeId: 'node-a', log, safetyPollMs: 60_000 });
    const rows = a.exportRows();
    rows.consumers = Array.from({ length: 20_000 }, (_, i) => ({ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, username: `u${i}`, custom_id: null, tags: null }));
    await a.replaceAll(rows);
    await a.replaceAll(rows);
    const n = await server.query<{ n: string }>("select count(*)::text as n from hybridctl_rows where key like 'e:consumers:%'", [], db.database);
    expect(n[0]!.n).toBe('20000');
    await a.close();
  }, 60_000);

  it('a node whose log position was pruned reads everything again', async () => {
    const { a, b, db } = await twoNodes();
    await a.insert('consumers', { username: 'before' });
    await until(async () => (await b.get('consumers', 'before')) ?? undefined, 'b has before', 5000);
    // A row the log no longer describes (as if b had been away longer than the log keeps), then a wake-up.
    const id = '00000000-0000-4000-8000-00000000a7e2';
    const row = { s: 999, e: 'consumers', r: { id, username: 'after', custom_id: null, tags: null, created_at: 1, updated_at: 1 } };
    await server.query(`insert into hybridctl_rows values ('e:consumers:${id}', '${JSON.stringify(row)}'); delete from hybridctl_changes; update hybridctl_sync set pruned_upto = 1000000`, [], db.database);
    await server.query(`select pg_notify('hybridctl_changes', 'x')`, [], db.database);
    await until(async () => (await b.get('consumers', 'after')) ?? undefined, 'b has after (reload)', 5000);
    await a.close();
    await b.close();
  }, 30_000);

  it('shares the data planes of every node, each for its ttl', async () => {
    const { a, b } = await twoNodes();
    const dp = { hostname: 'dp-1', ip: '127.0.0.1', last_seen: Math.floor(Date.now() / 1000), config_hash: 'a'.repeat(32), version: '3.10.0', sync_status: 'normal', labels: {}, cert_details: { expiry_timestamp: 0 } };
    await a.upsertDataPlane({ ...dp, id: 'aaaaaaaa-0000-4000-8000-000000000001', ttl: 60 });
    await b.upsertDataPlane({ ...dp, id: 'bbbbbbbb-0000-4000-8000-000000000001', hostname: 'dp-2', ttl: 1 });
    const both = await a.listDataPlanes();
    expect(both.map((r) => r.hostname)).toEqual(['dp-1', 'dp-2']);
    expect(both[0]).toMatchObject({ id: 'aaaaaaaa-0000-4000-8000-000000000001', created_at: expect.any(Number), updated_at: expect.any(Number) });
    await new Promise((r) => setTimeout(r, 2100));
    expect((await b.listDataPlanes()).map((r) => r.hostname)).toEqual(['dp-1']);
    await a.close();
    await b.close();
  }, 30_000);
});

describe('the database goes away', () => {
  it('writes answer unavailable naming the database, reads keep working, and everything resumes without a restart', async () => {
    const { a, b, cfg } = await twoNodes();
    await a.insert('consumers', { username: 'kept' });
    await until(async () => (await b.get('consumers', 'kept')) ?? undefined, 'b has kept', 5000);
    await server.stop();
    const err = await a.insert('consumers', { username: 'lost' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailable);
    expect((err as Error).message).toContain(`postgres://${cfg.user}@${cfg.host}:${cfg.port}/${cfg.database}`);
    expect((err as Error).message).toContain('nothing was written');
    expect((err as Error).message).not.toContain(cfg.password!);
    expect((await a.get('consumers', 'kept'))?.username).toBe('kept');
    expect(lines.some((l) => l.includes('database unavailable'))).toBe(true);
    await server.start();
    // The pools reconnect on the next use; the listeners reconnect by themselves and catch up.
    await until(async () => a.insert('consumers', { username: 'later' }).then(() => true, () => false), 'a writes again', 20_000);
    await until(async () => (await b.get('consumers', 'later')) ?? undefined, 'b catches up', 20_000);
    expect((await b.list('consumers')).data.map((r) => r.username).sort()).toEqual(['kept', 'later']);
    expect(lines.some((l) => l.includes('database available again'))).toBe(true);
    expect(lines.join('\n')).not.toContain(cfg.password!);
    await a.close();
    await b.close();
  }, 60_000);

  it('a dropped notification connection is re-established and what was missed is applied', async () => {
    const { a, b, db } = await twoNodes();
    await server.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${db.database}' and query ilike 'listen%'`, [], 'postgres');
    await a.insert('consumers', { username: 'while-away' });
    await until(async () => (await b.get('consumers', 'while-away')) ?? undefined, 'b after reconnect', 15_000);
    await a.close();
    await b.close();
  }, 30_000);
});
