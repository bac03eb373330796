// decK against a real `cp run`: its dump, diff and sync replayed request by request (test/deck/*, from
// go-database-reconciler and go-kong), a sync → dump round trip of test/fixtures/deck/kong.yml with
// zero differences, a second sync with no writes, and an edit + delete round applied as decK applies it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { tempDir } from '../helpers/cli.js';
import { pki, startCp } from '../helpers/cluster.js';
import type { Daemon } from '../helpers/daemon.js';
import { serverPair } from '../helpers/tls-certs.js';
import { DEPENDENCY_ORDER, DUMP_LISTS, type Kind } from '../../src/client/calls.js';
import { AdminClient, dump, emptyState, type State } from '../../src/client/client.js';
import { buildTarget, fetchSchemas, pluginNames, renderEnv } from '../../src/client/target.js';
import { checkNewCertificates, diff, fieldDiff, sync, type Event } from '../../src/client/sync.js';

type Row = Record<string, unknown>;
const FIXTURE = join(__dirname, '../fixtures/deck/kong.yml');
const SELECT = ['billing-team'];

let cp: { d: Daemon; admin: string };
let env: Record<string, string>;
let certs: (f: string) => string;
const pkiDir = mkdtempSync(join(tmpdir(), 'hybridctl-deck-pki-'));

beforeAll(async () => {
  certs = await pki(pkiDir);
  const pair = await serverPair('billing.example', 'rsa', ['billing.example', '*.billing.example']);
  env = { DECK_BILLING_CERT: pair.cert, DECK_BILLING_KEY: pair.key };
}, 60_000);
afterAll(() => rmSync(pkiDir, { recursive: true, force: true }));

/** A fresh control plane for the test (stopped when it ends), its Admin API in `cp`. */
async function freshCp(): Promise<void> {
  cp = await startCp(certs, join(tempDir('hybridctl-deck-'), 'cp'));
}

const readFile = (edit?: (f: Row) => void): Row => {
  const f = renderEnv(parse(readFileSync(FIXTURE, 'utf8')), env) as Row;
  edit?.(f);
  return f;
};

/** `deck gateway sync` (and `diff` when dry): GET /, the dump, the defaulter's schemas, the diff, the writes. */
async function deckSync(file: Row, o: { dry?: boolean } = {}): Promise<{ client: AdminClient; events: Event[]; target: State; current: State }> {
  const client = new AdminClient(cp.admin);
  // deck cmd/common.go fetchKongVersion: only `version` is read; 3.x wants _format_version 3.0.
  const info = (await client.do('GET', '/')).json as { version: string };
  expect(Number(info.version.split('.')[0])).toBeGreaterThanOrEqual(3);
  expect(file._format_version).toBe('3.0');
  const current = await dump(client, { selectTags: SELECT });
  const target = buildTarget(file, current, await fetchSchemas(client, pluginNames(file)));
  const events = diff(current, target);
  await checkNewCertificates(client, events);
  // One write at a time: decK's order within a level is then fixed, so the sequence can be asserted.
  if (!o.dry) await sync(client, events, current, { parallelism: 1 });
  return { client, events, target, current };
}

/** Every entity of `a` against `b` by id, as decK's differ compares them; {} when equal. */
function stateDiff(a: State, b: State): Row {
  const out: Row = {};
  for (const kind of DEPENDENCY_ORDER.flat()) {
    const ids = new Set([...a[kind], ...b[kind]].map((r) => String(r.id)));
    for (const id of ids) {
      const x = a[kind].find((r) => r.id === id);
      const y = b[kind].find((r) => r.id === id);
      if (!x || !y) out[`${kind}/${id}`] = x ? 'only in the dump' : 'only in the file';
      else {
        const d = fieldDiff(kind, x, y);
        if (Object.keys(d).length) out[`${kind}/${id}`] = d;
      }
    }
  }
  return out;
}

const writes = (c: AdminClient) => c.calls.filter((x) => x.method !== 'GET');
const count = (s: State) => Object.values(s).reduce((n, rows) => n + rows.length, 0);

describe('decK sync → dump round trip', () => {
  it('syncs an empty CP: every entity one PUT to its own path, in decK dependency order, each answered 200', async () => {
    await freshCp();
    const first = await deckSync(readFile());
    expect(first.events.every((e) => e.op === 'create')).toBe(true);
    expect(count(first.target)).toBe(23);
    const w = writes(first.client);
    expect(w).toHaveLength(count(first.target));
    for (const c of w) expect(c, c.url).toMatchObject({ method: 'PUT', status: 200 });
    // Levels in order: nothing of a later level is written before the last write of an earlier one.
    const level = (url: string) => {
      const k = first.events.find((e) => url.endsWith(`/${String(e.obj.id)}`))!.kind;
      return DEPENDENCY_ORDER.findIndex((l) => l.includes(k));
    };
    const levels = w.map((c) => level(c.url));
    expect(levels).toEqual([...levels].sort((x, y) => x - y));
    expect(w.filter((c) => /^\/upstreams\/[^/]+\/targets\/[^/]+$/.test(c.url))).toHaveLength(2);
    expect(w.filter((c) => /^\/consumers\/[^/]+\/(key-auth|basic-auth|jwt|acls)\/[^/]+$/.test(c.url))).toHaveLength(4);
    // The duplicate check before a certificate is created: Kong's 404 for an unknown id.
    expect(first.client.calls).toContainEqual(expect.objectContaining({ method: 'GET', url: expect.stringMatching(/^\/certificates\/[0-9a-f-]{36}$/), status: 404 }));
  });

  it('answers every PUT, and lists every row, with the full object: each schema field, unset ones as explicit nulls', async () => {
    await freshCp();
    const client = new AdminClient(cp.admin);
    const file = readFile();
    const target = buildTarget(file, await dump(client, { selectTags: SELECT }), await fetchSchemas(client, pluginNames(file)));
    const answers = await sync(client, diff(emptyState(), target), emptyState(), { parallelism: 1 });
    const listed = await Promise.all(['/services', '/routes', '/upstreams', '/consumers', '/plugins', '/certificates', '/snis', '/key-auths', '/acls', '/basic-auths', '/jwts'].map(async (p) => [p, await client.listAll(p, [])] as const));
    const fieldsOf = async (entity: string) => ((await client.do('GET', `/schemas/${entity}`)).json as { fields: Row[] }).fields.map((f) => Object.keys(f)[0]!);
    const schemaFields: Record<string, string[]> = {};
    // certificates list their transient `snis`: Kong's answers carry the SNI names (kong/api/routes/certificates.lua).
    for (const e of DEPENDENCY_ORDER.flat()) schemaFields[e] = await fieldsOf(e);
    const check = (entity: string, row: Row) => {
      expect(Object.keys(row).sort(), entity).toEqual([...schemaFields[entity]!].sort());
      for (const [k, v] of Object.entries(row)) expect(v, `${entity}.${k}`).not.toBeUndefined();
    };
    const events = diff(emptyState(), target);
    answers.forEach((a, i) => check(events[i]!.kind, a));
    const entityOf: Record<string, string> = { '/key-auths': 'keyauth_credentials', '/acls': 'acls', '/basic-auths': 'basicauth_credentials', '/jwts': 'jwt_secrets' };
    for (const [p, rows] of listed) for (const r of rows) check(entityOf[p] ?? p.slice(1), r);
    const route = listed.find(([p]) => p === '/routes')![1].find((r) => r.name === 'billing-invoices')!;
    expect(route).toMatchObject({ hosts: null, snis: null, sources: null, destinations: null, headers: null, path_handling: 'v0', https_redirect_status_code: 426, request_buffering: true, response_buffering: true });
  });

  it('dumps exactly what was synced: zero differences after decK normalisation', async () => {
    await freshCp();
    const first = await deckSync(readFile());
    const client = new AdminClient(cp.admin);
    const dumped = await dump(client, { selectTags: SELECT });
    expect(stateDiff(dumped, first.target)).toEqual({});
    // pkg/dump/dump.go's lists in order, each answered as Kong OSS 3.10 answers it.
    const upstream = String(dumped.upstreams[0]!.id);
    expect(client.calls.map((c) => `${c.method} ${c.url.split('?')[0]!} ${c.status}`)).toEqual([
      'GET /services 200', 'GET /routes 200', 'GET /plugins 200', 'GET /filter-chains 400', 'GET /certificates 200',
      'GET /ca_certificates 200', 'GET /snis 200', 'GET /upstreams 200', `GET /upstreams/${upstream}/targets 200`,
      'GET /vaults 200', 'GET /partials 404', 'GET /keys 200', 'GET /key-sets 200', 'GET / 200', 'GET /consumer_groups 404',
      'GET /consumers 200', 'GET /key-auths 200', 'GET /hmac-auths 200', 'GET /jwts 200', 'GET /basic-auths 200',
      'GET /oauth2 200', 'GET /acls 200', 'GET /mtls-auths 404',
    ]);
    // Every list decK makes is paged with size=1000 and the select tags, %2C-joined as go-querystring writes them.
    for (const c of client.calls.filter((x) => x.url !== '/' && !x.url.startsWith('/mtls-auths'))) expect(c.url).toMatch(/\?size=1000&tags=billing-team$/);
  });

  it('pages as go-kong follows `offset`: a dump at size 2 is the dump at size 1000', async () => {
    await freshCp();
    const first = await deckSync(readFile());
    const client = new AdminClient(cp.admin);
    const small = await dump(client, { selectTags: SELECT, pageSize: 2 });
    expect(stateDiff(small, first.target)).toEqual({});
    expect(client.calls.filter((c) => c.url.startsWith('/services?') && c.url.includes('offset='))).toHaveLength(0);
    expect(client.calls.filter((c) => c.url.startsWith('/routes?') && c.url.includes('offset='))).toHaveLength(1);
  });

  it('a second sync of the same file finds nothing to do and writes nothing', async () => {
    await freshCp();
    await deckSync(readFile());
    const again = await deckSync(readFile());
    expect(again.events.map((e) => `${e.op} ${e.kind} ${JSON.stringify(fieldDiff(e.kind, e.old ?? {}, e.obj))}`)).toEqual([]);
    expect(writes(again.client)).toEqual([]);
  });

  it('diff after an edit shows only the edits; sync applies them, deletes in reverse order, and dump matches', async () => {
    await freshCp();
    await deckSync(readFile());
    const edited = readFile((f) => {
      const [billing, ledger] = f.services as Row[];
      billing!.connect_timeout = 7000;
      billing!.routes = (billing!.routes as Row[]).filter((r) => r.name !== 'billing-admin');
      ((ledger!.routes as Row[])[0]!).regex_priority = 20;
      const pool = (f.upstreams as Row[])[0]!;
      pool.targets = (pool.targets as Row[]).slice(0, 1);
      f.consumers = (f.consumers as Row[]).filter((c) => c.username !== 'bob');
      ((f.plugins as Row[])[0]!.config as Row).header_name = 'X-Trace-ID';
      const cert = (f.certificates as Row[])[0]!;
      cert.snis = (cert.snis as Row[]).slice(0, 1);
    });
    const dry = await deckSync(edited, { dry: true });
    expect(writes(dry.client)).toEqual([]);
    const summary = (events: Event[]) => events.map((e) => `${e.op} ${e.kind}`);
    const expected = [
      'update services', 'update routes', 'update plugins',
      'delete plugins', 'delete plugins', 'delete routes', 'delete targets',
      'delete snis', 'delete jwt_secrets', 'delete consumers',
    ];
    expect(summary(dry.events)).toEqual(expected);
    const applied = await deckSync(edited);
    expect(summary(applied.events)).toEqual(expected);
    const deletes = writes(applied.client).filter((c) => c.method === 'DELETE');
    expect(deletes.map((c) => c.status)).toEqual(Array(7).fill(204));
    expect(deletes.map((c) => c.url.split('/').slice(1, -1).filter((_, i, a) => i === 0 || i === a.length - 1).join('/'))).toEqual([
      'plugins', 'plugins', 'routes', 'upstreams/targets', 'snis', 'consumers/jwt', 'consumers',
    ]);
    const after = await dump(new AdminClient(cp.admin), { selectTags: SELECT });
    expect(stateDiff(after, applied.target)).toEqual({});
    expect(diff(after, applied.target)).toEqual([]);
  });

  it('a sync of a file with no entities deletes everything under the select tags, each DELETE answered 204', async () => {
    await freshCp();
    const first = await deckSync(readFile());
    const empty = await deckSync({ _format_version: '3.0', _info: { select_tags: SELECT } });
    expect(empty.events.every((e) => e.op === 'delete')).toBe(true);
    expect(empty.events).toHaveLength(count(first.target));
    const deletes = writes(empty.client);
    expect(deletes.every((c) => c.method === 'DELETE' && c.status === 204)).toBe(true);
    expect(new Set(deletes.map((c) => c.url.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '{id}')))).toEqual(new Set([
      '/plugins/{id}', '/routes/{id}', '/upstreams/{id}/targets/{id}', '/snis/{id}', '/services/{id}', '/upstreams/{id}',
      '/consumers/{id}/key-auth/{id}', '/consumers/{id}/jwt/{id}', '/consumers/{id}/basic-auth/{id}', '/consumers/{id}/acls/{id}',
      '/certificates/{id}', '/consumers/{id}',
    ]));
    expect(count(await dump(new AdminClient(cp.admin), { selectTags: [] }))).toBe(0);
  });
});

describe("decK's probes answered as Kong OSS 3.10 answers them", () => {
  const get = async (path: string) => {
    const r = await fetch(cp.admin + path);
    return { status: r.status, json: (await r.json()) as unknown };
  };

  it('every list decK requires answers 200, and the rest answer what its code reads as "not supported"', async () => {
    await freshCp();
    const kong: Record<string, { status: number; json?: unknown }> = {
      '/filter-chains': { status: 400, json: { message: 'this endpoint is only available when wasm is enabled' } },
      '/partials': { status: 404, json: { message: 'Not found' } },
      '/consumer_groups': { status: 404, json: { message: 'Not found' } },
      '/mtls-auths': { status: 404, json: { message: 'Not found' } },
    };
    for (const l of DUMP_LISTS) {
      const r = await get(`${l.path}?size=1000&tags=nothing-here`);
      const want = kong[l.path] ?? { status: 200, json: { data: [], next: null } };
      expect(r, l.path).toEqual(want);
      if (want.status !== 200) expect(l.tolerated, l.path).toContain(want.status);
    }
  });

  it("the defaulter's schemas: services, routes, upstreams, targets 200; Enterprise consumer_group_plugins 404", async () => {
    await freshCp();
    for (const e of ['services', 'routes', 'upstreams', 'targets', 'certificates', 'snis', 'ca_certificates']) expect((await get(`/schemas/${e}`)).status, e).toBe(200);
    expect(await get('/schemas/consumer_group_plugins')).toEqual({ status: 404, json: { message: "No entity named 'consumer_group_plugins'" } });
  });

  it('the kinds decK can write are the kinds it dumps', () => {
    const dumped = new Set(DUMP_LISTS.map((l) => l.kind));
    for (const k of DEPENDENCY_ORDER.flat() as Kind[]) if (k !== 'targets') expect(dumped.has(k), k).toBe(true);
  });
});
