// The store's change feed: every committed change as (version, entity, id, row or null), in commit
// order, for the last LOG_VERSIONS versions. What sync v2 answers get_delta from. Versions are the
// shared database's change log versions on PostgreSQL (global across control planes), else a
// counter persisted with the log under its own keys in the same transaction as the write.
import { exportState, refId, type EntityName, type Row } from '../entities/index.js';
import type { Op } from './persistence.js';

/** One row as a commit left it: `row` null for a deletion. */
export interface ChangeEntry {
  entity: EntityName;
  id: string;
  row: Row | null;
}

export interface ChangeFeed {
  /** The version of the last commit this store knows of. */
  version(): number;
  /**
   * The changes after `version` up to and including `upto`, in commit order; null when they cannot
   * be told as plain row changes: a version this log never handed out or no longer holds, one
   * ahead of `upto`, or an import (or a change the v1 export does not pass through as rows) in between.
   */
  since(version: number, upto: number): ChangeEntry[] | null;
}

/** Versions kept: a DP further behind gets a full sync. */
export const LOG_VERSIONS = 10_000;
/** Rows kept over all versions: the log's memory is bounded by this, whatever each commit holds. */
export const LOG_ROWS = 100_000;
/** A commit touching more rows than this (an import, a large cascade) is logged as "full sync". */
export const MAX_ROWS_PER_VERSION = 1000;
/** Keys of the persisted log and its counter (never under `e:`, the entities). */
export const LOG_PREFIX = 'cl:';
export const LOG_META = 'cm:meta';

const logKey = (v: number) => LOG_PREFIX + v.toString(16).padStart(16, '0');

interface Logged {
  version: number;
  /** null: "full sync needed". */
  changes: ChangeEntry[] | null;
}

const sizeOf = (l: Logged) => l.changes?.length ?? 0;

export interface Pending {
  changes: ChangeEntry[] | null;
  /** Services written: which are disabled is tracked once the commit landed. */
  services: ChangeEntry[];
}

/** What a change log entry tells a data plane, if anything: an entry, nothing at all, or "full sync". */
type Told = ChangeEntry | 'nothing' | 'full';

/** Whether the export drops this row's referrers with it: a disabled service, or a route of one. */
const dropsReferrers = (entity: EntityName, row: Row | null | undefined, disabled: ReadonlySet<string>): boolean =>
  !!row && ((entity === 'services' && row.enabled === false) || (entity === 'routes' && disabled.has(refId(row.service) ?? '')));

export class ChangeLog implements ChangeFeed {
  private log: Logged[] = [];
  /** The version the log starts after: a DP at it gets every logged change. */
  private base: number;
  private last: number;
  /** Disabled services as of the last commit: what the export drops with them decides how a change is told. */
  private readonly disabled = new Set<string>();

  /** `loaded`: what a persisted log held (LMDB, memory); `start`: the version of the rows loaded. */
  /** Rows in the log, for LOG_ROWS. */
  private rows = 0;

  constructor(
    loaded: { key: string; value: unknown }[],
    start: number,
    services: Iterable<Row>,
    private readonly limit: { versions: number; rows: number } = { versions: LOG_VERSIONS, rows: LOG_ROWS },
  ) {
    const meta = loaded.find((r) => r.key === LOG_META)?.value as { version: number; base: number } | undefined;
    this.log = loaded.filter((r) => r.key.startsWith(LOG_PREFIX)).map((r) => r.value as Logged);
    for (const l of this.log) this.rows += sizeOf(l);
    this.last = meta?.version ?? start;
    this.base = meta?.base ?? start;
    this.resetDisabled(services);
  }

  version(): number {
    return this.last;
  }

  resetDisabled(services: Iterable<Row>): void {
    this.disabled.clear();
    for (const s of services) if (s.enabled === false) this.disabled.add(s.id as string);
  }

  /**
   * What the commit of `ops` changes, read before the rows in memory are updated (`prev` looks
   * them up); `full` for imports.
   */
  prepare(ops: Op[], prev: (entity: EntityName, id: string) => Row | undefined, full = false): Pending {
    if (full) return { changes: null, services: [] };
    const entityOps = ops.filter((op) => op.key.startsWith('e:'));
    let plain = entityOps.length <= MAX_ROWS_PER_VERSION;
    const changes: ChangeEntry[] = [];
    const services: ChangeEntry[] = [];
    for (const op of entityOps) {
      const [, entity, id] = op.key.split(':') as [string, EntityName, string];
      const row = op.value === undefined || op.value === null ? null : (op.value as { r: Row }).r;
      if (entity === 'services') services.push({ entity, id, row });
      if (!plain) continue;
      const told = this.tell(entity, id, prev(entity, id), row, prev);
      if (told === 'full') plain = false;
      else if (told !== 'nothing') changes.push(told);
    }
    return { changes: plain ? changes : null, services };
  }

  /**
   * One row's change as the v1 export (entities/config-table.ts) sees it. Told as a row only when
   * what the export drops stays the same (no service disabled or enabled, none created or deleted
   * disabled, no route moved to or from a disabled one), so every other row stays in or out of it,
   * and when the row's own place is certain: coming back into the export is a full sync, because
   * the export keeps its old place in the table where a delta puts it last.
   */
  private tell(entity: EntityName, id: string, before: Row | undefined, after: Row | null, lookup: (entity: EntityName, id: string) => Row | undefined): Told {
    if (dropsReferrers(entity, before, this.disabled) !== dropsReferrers(entity, after, this.disabled)) return 'full';
    const droppedService = (x: string) => this.disabled.has(x);
    const droppedRoute = (x: string) => dropsReferrers('routes', lookup('routes', x), this.disabled);
    const was = before ? exportState(entity, before, droppedService, droppedRoute) : 'absent';
    const is = after ? exportState(entity, after, droppedService, droppedRoute) : 'absent';
    if (was === 'unsure' || is === 'unsure') return 'full';
    if (is === 'in') return was === 'out' ? 'full' : { entity, id, row: after };
    // Leaving the export (deleted, or dropped from now on): a deletion, if a data plane has it.
    return was === 'in' ? { entity, id, row: null } : 'nothing';
  }

  private track(c: ChangeEntry): void {
    if (c.row?.enabled === false) this.disabled.add(c.id);
    else this.disabled.delete(c.id);
  }

  /** The ops that persist this commit's log entry with it (stores no other node writes). */
  persistOps(p: Pending): Op[] {
    const version = this.last + 1;
    const out: Op[] = [{ key: logKey(version), value: { version, changes: p.changes } }];
    const drop = this.dropCount(1, p.changes?.length ?? 0);
    for (let i = 0; i < drop; i++) out.push({ key: logKey(this.log[i]!.version), value: undefined });
    const base = drop > 0 ? this.log[drop - 1]!.version : this.base;
    out.push({ key: LOG_META, value: { version, base } });
    return out;
  }

  /** The commit landed at `version` (the shared database's), or at the next local one. */
  record(p: Pending, version?: number): void {
    const v = version ?? this.last + 1;
    for (const c of p.services) this.track(c);
    if (v <= this.last) return;
    this.log.push({ version: v, changes: p.changes });
    this.rows += p.changes?.length ?? 0;
    this.last = v;
    const drop = this.dropCount(0, 0);
    if (drop > 0) {
      this.base = this.log[drop - 1]!.version;
      for (let i = 0; i < drop; i++) this.rows -= sizeOf(this.log[i]!);
      this.log = this.log.slice(drop);
    }
  }

  /** How many of the oldest to drop so that `versions` more versions of `rows` rows fit. */
  private dropCount(versions: number, rows: number): number {
    let n = 0;
    let kept = this.rows + rows;
    while (n < this.log.length && (this.log.length - n + versions > this.limit.versions || kept > this.limit.rows)) kept -= sizeOf(this.log[n++]!);
    return n;
  }

  since(version: number, upto: number): ChangeEntry[] | null {
    if (version > upto || upto > this.last) return null;
    if (version === upto) return [];
    let start: number;
    if (version === this.base) start = 0;
    else {
      const at = this.indexOf(version);
      if (at < 0) return null;
      start = at + 1;
    }
    const out: ChangeEntry[] = [];
    for (let i = start; i < this.log.length && this.log[i]!.version <= upto; i++) {
      const changes = this.log[i]!.changes;
      if (changes === null) return null;
      for (const c of changes) out.push(c);
    }
    return out;
  }

  private indexOf(version: number): number {
    let lo = 0;
    let hi = this.log.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.log[mid]!.version;
      if (v === version) return mid;
      if (v < version) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}

/**
 * How a commit told each entity key on a shared database, stored on its ops in the database's change
 * log (`t`): the op's row (`r`), a deletion (`d`) or nothing (`n`). Only the writing node knows the
 * state before its commit, which decides this; a node starting later seeds its log from the marks.
 * null: the commit is a full sync (so are commits writing one key twice: their order is not kept).
 */
export type Mark = 'r' | 'd' | 'n';

export function toldMarks(ops: readonly Op[], p: Pending): Map<string, Mark> | null {
  if (p.changes === null) return null;
  const marks = new Map<string, Mark>();
  for (const op of ops) {
    if (!op.key.startsWith('e:')) continue;
    if (marks.has(op.key)) return null;
    marks.set(op.key, 'n');
  }
  for (const c of p.changes) marks.set(`e:${c.entity}:${c.id}`, c.row === null ? 'd' : 'r');
  return marks;
}

/** A commit as a shared database's change log keeps it: its ops, marked when it was told as rows. */
export interface SharedCommit {
  version: number;
  ops: { key: string; value: unknown; t?: Mark }[] | null;
}

/**
 * The log records (as the ChangeLog constructor loads them) for a node starting on a shared
 * database at `start`: the newest kept commits that fit the log's bounds, `commits` in ascending
 * order, all at or below `start`. `floor`: the version below which the database's log tells nothing
 * (what it was pruned up to, or the oldest commit read when older ones may exist).
 */
export function sharedLogRecords(commits: readonly SharedCommit[], start: number, floor: number,
  limit: { versions: number; rows: number } = { versions: LOG_VERSIONS, rows: LOG_ROWS }): { key: string; value: unknown }[] {
  const out: { key: string; value: unknown }[] = [];
  let base = floor;
  let rows = 0;
  for (let i = commits.length - 1; i >= 0; i--) {
    const c = commits[i]!;
    const changes = toldChanges(c);
    rows += changes?.length ?? 0;
    if (out.length >= limit.versions || rows > limit.rows) {
      base = c.version;
      break;
    }
    out.push({ key: logKey(c.version), value: { version: c.version, changes } satisfies Logged });
  }
  out.reverse();
  out.push({ key: LOG_META, value: { version: start, base } });
  return out;
}

function toldChanges(c: SharedCommit): ChangeEntry[] | null {
  if (c.ops === null) return null;
  const changes: ChangeEntry[] = [];
  for (const op of c.ops) {
    if (!op.key.startsWith('e:')) continue;
    // Written before marks existed, or a full sync.
    if (op.t === undefined) return null;
    if (op.t === 'n') continue;
    const [, entity, id] = op.key.split(':') as [string, EntityName, string];
    const row = op.t === 'r' && op.value !== null && op.value !== undefined ? (op.value as { r: Row }).r : null;
    if (op.t === 'r' && row === null) return null;
    changes.push({ entity, id, row });
  }
  return changes;
}
