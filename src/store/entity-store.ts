// The store's rows in memory with Kong's unique and foreign keys enforced, each change one
// transaction of the persistence underneath (LMDB, memory, or a database other control planes share).
import { randomUUID } from 'node:crypto';
import {
  CREDENTIAL_ENTITIES, ENTITY_ORDER, SCHEMAS, UUID, emptyRows, foreignKeyViolation, notFound, primaryKeyViolation, referencedViolation, referencedByOthers, schemaViolation,
  toConfigTable, uniqueViolation, validateRow, type DataPlaneRow, type EntityName, type PluginCatalogue, type Row, type Rows,
} from '../entities/index.js';
import type { Op, Persistence, RemoteChange, StoredDataPlane, WriteTx } from './persistence.js';
import type { ChangeInfo, Page, Store } from './index.js';
import { checkUnique } from './constraints.js';
import { checkDuplicates, checkListIsNew, givenSnis, namesOf, planSnis } from './certificate-snis.js';
import { ChangeLog, LOG_META, LOG_PREFIX, sharedLogRecords, toldMarks, type ChangeFeed } from './change-log.js';

const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;
const now = () => Math.floor(Date.now() / 1000);

/** Kong's transient fields (certificates.snis) are taken on writes, never stored: routes.snis is a real field. */
function dropTransient(entity: EntityName, row: Row): void {
  for (const [k, f] of Object.entries(SCHEMAS[entity]!.fields)) if (f.transient) delete row[k];
}

/** Kong's auto timestamps, each only where the entity has it: credentials have created_at alone. */
function stamp(entity: EntityName, row: Row, created: unknown, updated: unknown): void {
  const fields = SCHEMAS[entity]!.fields;
  if (fields.created_at) row.created_at = created;
  if (fields.updated_at) row.updated_at = updated;
}
const entityKey = (e: string, id: string) => `e:${e}:${id}`;

export class EntityStore implements Store {
  private rows = new Map<EntityName, Map<string, Row>>(ENTITY_ORDER.map((e) => [e, new Map()]));
  private dps = new Map<string, DataPlaneRow & { ttl: number }>();
  private listeners = new Set<(info: ChangeInfo) => void>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Insertion order survives updates and restarts: lists page in creation order. */
  private seqs = new Map<string, number>();

  constructor(private readonly p: Persistence, private readonly plugins?: PluginCatalogue) {
    const loaded = p.loadAll('e:').map((r) => r.value as { s: number; e: EntityName; r: Row }).sort((a, b) => a.s - b.s);
    for (const { s, e, r } of loaded) {
      this.rows.get(e)?.set(r.id as string, r);
      this.seqs.set(`${e}:${r.id as string}`, s);
    }
    for (const { value } of p.loadAll('dp:')) {
      const row = value as DataPlaneRow & { ttl: number };
      this.dps.set(row.id, row);
    }
    this.seq = loaded.length ? loaded[loaded.length - 1]!.s : 0;
    // A first start counts from the clock in microseconds: above the versions sync v2 handed out
    // before there was a change log, which a Kong DP may still hold.
    const persisted = p.shared
      ? sharedLogRecords(p.shared.startLog.commits, p.shared.startVersion, p.shared.startLog.floor)
      : [...p.loadAll(LOG_PREFIX), ...p.loadAll(LOG_META)];
    this.log = new ChangeLog(persisted, p.shared?.startVersion ?? Date.now() * 1000, this.rows.get('services')!.values());
    // Another control plane's commits arrive between this node's writes, never inside one.
    p.shared?.onHint(() => void this.serial(async () => this.applyRemote(await p.shared!.poll())).catch(() => undefined));
  }

  private seq: number;
  private readonly log: ChangeLog;

  /** Commits `ops` with their change log entry; `full`: an import, told as "full sync needed". */
  private async commitLogged(tx: WriteTx, ops: Op[], full = false): Promise<void> {
    const pending = this.log.prepare(ops, (e, id) => this.rows.get(e)?.get(id), full);
    const version = this.p.shared ? await tx.commit(ops, toldMarks(ops, pending)) : await tx.commit([...ops, ...this.log.persistOps(pending)]);
    this.log.record(pending, version ?? undefined);
  }

  /** Writes go one at a time, so checks and the commit see the same state. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * One write: on a shared database, under the cluster-wide lock and after applying what other
   * control planes committed, so the checks below see every row; nothing changes if it throws.
   */
  private writing<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    return this.serial(async () => {
      const tx = await this.p.begin();
      try {
        this.applyRemote(tx.remote);
        return await fn(tx);
      } catch (err) {
        await tx.abort().catch(() => undefined);
        throw err;
      }
    });
  }

  /** Other control planes' commits, applied to the rows in memory as they were applied there. */
  private applyRemote(changes: RemoteChange[]): void {
    if (changes.length === 0) return;
    for (const c of changes) {
      const ops: Op[] = 'reload' in c ? c.reload : c.ops;
      this.log.record(this.log.prepare(ops, (e, id) => this.rows.get(e)?.get(id), 'reload' in c), c.version);
      if ('reload' in c) {
        for (const t of this.rows.values()) t.clear();
        this.seqs.clear();
      }
      for (const op of ops) {
        const [, entity, id] = op.key.split(':') as [string, EntityName, string];
        if (op.value === undefined || op.value === null) {
          this.rows.get(entity)?.delete(id);
          this.seqs.delete(`${entity}:${id}`);
          continue;
        }
        const v = op.value as { s: number; e: EntityName; r: Row };
        this.rows.get(v.e)?.set(id, v.r);
        this.seqs.set(`${v.e}:${id}`, v.s);
        if (v.s > this.seq) this.seq = v.s;
      }
      if ('reload' in c) this.log.resetDisabled(this.rows.get('services')!.values());
    }
    this.emit({ entity: '*', op: 'import' });
  }

  private emit(info: ChangeInfo): void {
    for (const l of this.listeners) l(info);
  }

  private find(entity: EntityName, idOrKey: string): Row | null {
    const table = this.rows.get(entity)!;
    if (UUID.test(idOrKey)) {
      const hit = table.get(idOrKey.toLowerCase());
      if (hit) return hit;
    }
    const key = SCHEMAS[entity]!.endpointKey;
    if (!key) return null;
    for (const r of table.values()) if (r[key] === idOrKey) return r;
    return null;
  }

  /** Foreign keys given as {id} or {name}: resolved to {id}, or a Kong foreign key violation. */
  private resolveForeign(entity: EntityName, input: unknown): unknown {
    if (!input || typeof input !== 'object' || Array.isArray(input)) return input;
    const out: Row = { ...(input as Row) };
    for (const [k, f] of Object.entries(SCHEMAS[entity]!.fields)) {
      if (f.type !== 'foreign' || !out[k] || typeof out[k] !== 'object') continue;
      const ref = out[k] as Row;
      // Entities this control plane does not manage (certificates) cannot be referenced yet.
      if (!SCHEMAS[f.reference!]) throw foreignKeyViolation(k, f.reference!, typeof ref.id === 'string' ? { id: ref.id } : ref);
      const refSchema = SCHEMAS[f.reference!]!;
      const by = typeof ref.id === 'string' ? ref.id : refSchema.endpointKey && typeof ref[refSchema.endpointKey] === 'string' ? (ref[refSchema.endpointKey] as string) : null;
      if (by === null) continue;
      const hit = this.find(f.reference as EntityName, by);
      if (!hit) throw foreignKeyViolation(k, f.reference!, typeof ref.id === 'string' ? { id: ref.id } : { [refSchema.endpointKey!]: by });
      out[k] = { id: hit.id };
    }
    return out;
  }

  /** `snis`: a certificate's new name list (Kong's transient field), written in the same transaction. */
  private async write(tx: WriteTx, entity: EntityName, row: Row, op: 'create' | 'update', snis?: string[]): Promise<Row> {
    checkUnique(entity, row, this.rows.get(entity)!);
    const k = `${entity}:${row.id as string}`;
    const s = this.seqs.get(k) ?? ++this.seq;
    const plan = snis ? planSnis(this.rows.get('snis')!.values(), row.id as string, snis, now()) : { put: [], del: [] };
    const seqs = plan.put.map(() => ++this.seq);
    await this.commitLogged(tx, [
      { key: entityKey(entity, row.id as string), value: { s, e: entity, r: row } },
      ...plan.put.map((r, i) => ({ key: entityKey('snis', r.id as string), value: { s: seqs[i], e: 'snis', r } })),
      ...plan.del.map((r) => ({ key: entityKey('snis', r.id as string), value: undefined })),
    ]);
    this.rows.get(entity)!.set(row.id as string, row);
    this.seqs.set(k, s);
    plan.put.forEach((r, i) => {
      this.rows.get('snis')!.set(r.id as string, r);
      this.seqs.set(`snis:${r.id as string}`, seqs[i]!);
    });
    for (const r of plan.del) {
      this.rows.get('snis')!.delete(r.id as string);
      this.seqs.delete(`snis:${r.id as string}`);
    }
    this.emit({ entity, op });
    return this.present(entity, row);
  }

  /** What reads answer: a copy, and for certificates Kong's `snis` pseudo-field, sorted. */
  private present(entity: EntityName, row: Row): Row {
    const copy = structuredClone(row);
    if (entity === 'certificates') copy.snis = namesOf(this.rows.get('snis')!.values(), row.id as string);
    return copy;
  }

  /** Kong's certificates DAO: the names given are checked before the certificate itself. */
  private snisFor(entity: EntityName, body: unknown, certId: string | null): string[] | undefined {
    if (entity !== 'certificates') return undefined;
    const names = givenSnis(body);
    if (names) {
      checkDuplicates(names);
      checkListIsNew(this.rows.get('snis')!.values(), names.filter((n) => typeof n === 'string'), certId);
    }
    return names;
  }

  async list(entity: EntityName, opts: { size?: number; offset?: string; where?: (r: Row) => boolean } = {}): Promise<Page> {
    const size = Math.min(Math.max(1, opts.size ?? DEFAULT_PAGE), MAX_PAGE);
    const all = [...this.rows.get(entity)!.values()].filter(opts.where ?? (() => true));
    const start = opts.offset ? Number(Buffer.from(opts.offset, 'base64url').toString('utf8')) : 0;
    const data = all.slice(start, start + size).map((r) => this.present(entity, r));
    const next = start + size < all.length ? Buffer.from(String(start + size)).toString('base64url') : null;
    return { data, offset: next };
  }

  async get(entity: EntityName, idOrKey: string): Promise<Row | null> {
    const r = this.find(entity, idOrKey);
    return r ? this.present(entity, r) : null;
  }

  insert(entity: EntityName, input: unknown, id?: string): Promise<Row> {
    return this.writing(async (tx) => {
      const given = input && typeof input === 'object' && !Array.isArray(input) ? (input as Row) : null;
      const wantId = id ?? (given && typeof given.id === 'string' ? given.id : undefined);
      if (wantId !== undefined && !UUID.test(wantId)) throw schemaViolation({ id: 'expected a valid UUID' });
      if (wantId && this.rows.get(entity)!.has(wantId.toLowerCase())) throw primaryKeyViolation(wantId);
      const body = given ? { ...given } : input;
      if (given) delete (body as Row).id;
      const snis = this.snisFor(entity, body, wantId?.toLowerCase() ?? null);
      const v = validateRow(entity, this.resolveForeign(entity, body), null, this.plugins);
      if (v.errors) throw schemaViolation(v.errors);
      const t = now();
      const row: Row = { id: (wantId ?? randomUUID()).toLowerCase(), ...v.row };
      stamp(entity, row, t, t);
      dropTransient(entity, row);
      return this.write(tx, entity, row, 'create', snis);
    });
  }

  update(entity: EntityName, idOrKey: string, patch: unknown): Promise<Row> {
    return this.writing(async (tx) => {
      const existing = this.find(entity, idOrKey);
      if (!existing) throw notFound();
      const body = patch && typeof patch === 'object' && !Array.isArray(patch) ? { ...(patch as Row) } : patch;
      if (body && typeof body === 'object') delete (body as Row).id;
      const base = { ...existing };
      delete base.id;
      delete base.created_at;
      delete base.updated_at;
      if (entity === 'services' && body && typeof body === 'object' && 'url' in (body as Row)) for (const k of ['protocol', 'host', 'port', 'path']) delete base[k];
      const snis = this.snisFor(entity, body, existing.id as string);
      const v = validateRow(entity, this.resolveForeign(entity, body), base, this.plugins);
      if (v.errors) throw schemaViolation(v.errors);
      const row: Row = { id: existing.id, ...v.row };
      stamp(entity, row, existing.created_at, now());
      dropTransient(entity, row);
      return this.write(tx, entity, row, 'update', snis);
    });
  }

  async upsert(entity: EntityName, idOrKey: string, input: unknown): Promise<Row> {
    // Whether the row exists decides create or replace: ask with other control planes' writes in.
    if (this.p.shared) await this.serial(async () => this.applyRemote(await this.p.shared!.poll()));
    const existing = this.find(entity, idOrKey);
    const key = SCHEMAS[entity]!.endpointKey;
    // PUT /entity/{name}: the name in the path is the entity's name.
    const body = { ...(input as Row) };
    if (!UUID.test(idOrKey) && key) body[key] = idOrKey;
    if (existing) {
      const base = SCHEMAS[entity]!;
      const cleared: Row = Object.fromEntries(Object.entries(base.fields).filter(([, f]) => !f.auto).map(([k, f]) => [k, f.default !== undefined ? f.default : null]));
      return this.update(entity, existing.id as string, { ...cleared, ...body });
    }
    return this.insert(entity, body, UUID.test(idOrKey) ? idOrKey : undefined);
  }

  delete(entity: EntityName, idOrKey: string): Promise<boolean> {
    return this.writing(async (tx) => {
      const existing = this.find(entity, idOrKey);
      if (!existing) return false;
      const id = existing.id as string;
      const refs = (e: EntityName, fk: string) => [...this.rows.get(e)!.values()].filter((r) => (r[fk] as Row | null)?.id === id);
      if (entity === 'services' && refs('routes', 'service').length > 0) throw referencedViolation('services', 'routes');
      for (const by of ['services', 'upstreams'] as const) if (entity === 'certificates' && refs(by, 'client_certificate').length > 0) throw referencedViolation('certificates', by);
      if (entity === 'ca_certificates') {
        const user = [...this.rows.get('services')!.values()].find((s) => Array.isArray(s.ca_certificates) && s.ca_certificates.includes(id));
        if (user) throw referencedByOthers(`ca certificate ${id} is still referenced by services (id = ${user.id as string})`);
      }
      // Kong cascades targets with their upstream and plugins with what they are scoped to.
      const cascade: [EntityName, Row][] = [];
      if (entity === 'upstreams') cascade.push(...refs('targets', 'upstream').map((r): [EntityName, Row] => ['targets', r]));
      if (entity === 'certificates') cascade.push(...refs('snis', 'certificate').map((r): [EntityName, Row] => ['snis', r]));
      const scope = entity === 'services' ? 'service' : entity === 'routes' ? 'route' : entity === 'consumers' ? 'consumer' : null;
      if (scope) cascade.push(...refs('plugins', scope).map((r): [EntityName, Row] => ['plugins', r]));
      if (entity === 'consumers') for (const e of CREDENTIAL_ENTITIES) cascade.push(...refs(e, 'consumer').map((r): [EntityName, Row] => [e, r]));
      await this.commitLogged(tx, [{ key: entityKey(entity, id), value: undefined }, ...cascade.map(([e, r]) => ({ key: entityKey(e, r.id as string), value: undefined }))]);
      this.rows.get(entity)!.delete(id);
      // Created again, a row goes last, as it does in memory and on the other control planes.
      this.seqs.delete(`${entity}:${id}`);
      for (const [e, r] of cascade) {
        this.rows.get(e)!.delete(r.id as string);
        this.seqs.delete(`${e}:${r.id as string}`);
      }
      this.emit({ entity, op: 'delete' });
      return true;
    });
  }

  replaceAll(rows: Rows): Promise<void> {
    return this.writing(async (tx) => {
      const ops: { key: string; value: unknown }[] = [];
      for (const e of ENTITY_ORDER) for (const id of this.rows.get(e)!.keys()) ops.push({ key: entityKey(e, id), value: undefined });
      const t = now();
      const next = new Map<EntityName, Map<string, Row>>(ENTITY_ORDER.map((e) => [e, new Map()]));
      const seqs = new Map<string, number>();
      for (const e of ENTITY_ORDER) {
        for (const r of rows[e]) {
          const row = { ...r };
          stamp(e, row, row.created_at ?? t, row.updated_at ?? t);
          const s = ++this.seq;
          seqs.set(`${e}:${row.id as string}`, s);
          // A delete and a put of the same key: the put wins inside the transaction.
          ops.push({ key: entityKey(e, row.id as string), value: { s, e, r: row } });
          next.get(e)!.set(row.id as string, row);
        }
      }
      await this.commitLogged(tx, ops, true);
      this.rows = next;
      this.seqs = seqs;
      this.log.resetDisabled(next.get('services')!.values());
      this.emit({ entity: '*', op: 'import' });
    });
  }

  counts(): Record<EntityName, number> {
    return Object.fromEntries(ENTITY_ORDER.map((e) => [e, this.rows.get(e)!.size])) as Record<EntityName, number>;
  }

  exportRows(): Rows {
    const out = emptyRows();
    for (const e of ENTITY_ORDER) out[e] = [...this.rows.get(e)!.values()].map((r) => structuredClone(r));
    return out;
  }

  async exportConfigTable(): Promise<Record<string, unknown>> {
    return toConfigTable(this.exportRows());
  }

  changes(): ChangeFeed {
    return this.log;
  }

  onChange(listener: (info: ChangeInfo) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  upsertDataPlane(row: DataPlaneRow & { ttl: number }): Promise<void> {
    if (this.p.shared) return this.p.shared.upsertDataPlane(row as unknown as StoredDataPlane);
    return this.serial(async () => {
      const prev = this.dps.get(row.id);
      const t = now();
      const next = { ...row, created_at: prev?.created_at ?? t, updated_at: t };
      await this.p.commit([{ key: `dp:${row.id}`, value: next }]);
      this.dps.set(row.id, next);
    });
  }

  async listDataPlanes(at: Date = new Date()): Promise<DataPlaneRow[]> {
    if (this.p.shared) return (await this.p.shared.listDataPlanes()) as unknown as DataPlaneRow[];
    const t = Math.floor(at.getTime() / 1000);
    const expired = [...this.dps.values()].filter((r) => r.last_seen + r.ttl < t);
    if (expired.length) {
      await this.serial(async () => {
        await this.p.commit(expired.map((r) => ({ key: `dp:${r.id}`, value: undefined })));
        for (const r of expired) this.dps.delete(r.id);
      });
    }
    return [...this.dps.values()].sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0)).map((r) => structuredClone(r));
  }

  async reachable(): Promise<boolean> {
    return this.p.shared ? this.p.shared.reachable() : true;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.p.close();
  }
}
