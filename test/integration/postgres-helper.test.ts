// The private PostgreSQL helper itself: passwords really checked, data kept across an outage,
// databases isolated, KONG_PG_* as the conf loader reads them, and the cluster gone afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { loadConf } from '../../src/conf/index.js';
import { startPostgres, type PgConnection, type Postgres } from '../helpers/postgres.js';

let db: Postgres;
beforeAll(async () => {
  db = await startPostgres();
});

async function asClient(c: Pick<PgConnection, 'host' | 'port' | 'user' | 'database'>, password: string, sql = 'select current_user as u, current_database() as d') {
  const client = new pg.Client({ host: c.host, port: c.port, user: c.user, password, database: c.database, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('startPostgres', () => {
  it('the hybrid role connects over TCP with its password, and a wrong one is refused with 28P01', async () => {
    expect(await asClient(db, db.password)).toEqual([{ u: 'hybrid', d: 'hybrid' }]);
    const wrong = await asClient(db, `${db.password}x`).catch((e: { code?: string; message: string }) => e);
    expect(wrong).toMatchObject({ code: '28P01', message: 'password authentication failed for user "hybrid"' });
    // The superuser has no password: TCP refuses it too (only the helper's unix socket trusts it).
    const su = await asClient({ ...db, user: 'postgres' }, 'anything').catch((e: { code?: string }) => e);
    expect(su).toMatchObject({ code: '28P01' });
  });

  it('the url carries the same credentials', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    await client.end();
  });

  it('stop refuses connections, start brings the same data back on the same port', async () => {
    await asClient(db, db.password, 'create table kept (v text); insert into kept values (\'before the outage\')');
    const port = db.port;
    await db.stop();
    expect(db.running()).toBe(false);
    const down = await asClient(db, db.password).catch((e: { code?: string }) => e);
    expect(down).toMatchObject({ code: 'ECONNREFUSED' });
    await db.start();
    expect(db.port).toBe(port);
    expect(await asClient(db, db.password, 'select v from kept')).toEqual([{ v: 'before the outage' }]);
    await db.restart();
    expect(await db.query('select count(*)::int as n from kept')).toEqual([{ n: 1 }]);
  });

  it('createDatabase gives an isolated database the hybrid role owns', async () => {
    const a = await db.createDatabase();
    const b = await db.createDatabase('isolated_b');
    expect(a.database).not.toBe(b.database);
    await asClient(a, a.password, 'create table only_in_a (id int)');
    expect(await db.query("select count(*)::int as n from pg_tables where tablename = 'only_in_a'", [], a.database)).toEqual([{ n: 1 }]);
    expect(await db.query("select count(*)::int as n from pg_tables where tablename = 'only_in_a'", [], b.database)).toEqual([{ n: 0 }]);
    expect(await db.query('select pg_get_userbyid(datdba) as owner from pg_database where datname = $1', [b.database], 'postgres')).toEqual([{ owner: 'hybrid' }]);
    await expect(db.createDatabase('x; drop')).rejects.toThrow(/not a plain database name/);
  });

  it('env() is what the conf loader reads as the PostgreSQL settings', () => {
    const loaded = loadConf({ env: db.env() });
    const value = (k: string) => loaded.entries.get(k)?.value;
    expect(loaded.conf.database).toBe('postgres');
    expect([value('pg_host'), value('pg_port'), value('pg_user'), value('pg_password'), value('pg_database')]).toEqual(['127.0.0.1', String(db.port), 'hybrid', db.password, 'hybrid']);
    expect(loaded.problems).toEqual([]);
  });

  let inTest: { dataDir: string; port: number } | undefined;
  it('a cluster started inside a test is its own, with its own password', async () => {
    const own = await startPostgres({ password: "it's-another" });
    expect(own.port).not.toBe(db.port);
    expect(await asClient(own, "it's-another")).toEqual([{ u: 'hybrid', d: 'hybrid' }]);
    inTest = { dataDir: own.dataDir, port: own.port };
  });

  it('...and is stopped and removed when that test finishes', async () => {
    expect(inTest).toBeDefined();
    expect(existsSync(inTest!.dataDir)).toBe(false);
    const gone = await asClient({ ...db, port: inTest!.port }, 'x').catch((e: { code?: string }) => e);
    expect(gone).toMatchObject({ code: 'ECONNREFUSED' });
  });
});

afterAll(() => {
  // The file-wide cluster is still up here; the helper's own afterAll (registered first) runs after this one.
  expect(db.running()).toBe(true);
});
