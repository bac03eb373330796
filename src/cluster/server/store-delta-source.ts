// get_delta answered from the store's change log: a DP at a version the log holds gets only the
// rows changed since, in Kong's delta shape; anything else (unknown, ahead, older than the log,
// an import or a change the v1 export transforms in between) gets a full sync of the v1 export.
import { configRow, isEntity } from '../../entities/index.js';
import { decodeReconfigure } from '../protocol/messages.js';
import { deleteDelta, formatVersion, isValidVersion, rowDelta, tableToDeltas, VERSION_PREFIX, type Delta } from '../protocol/sync-v2.js';
import type { DeltaAnswer, DeltaSource } from './delta-source.js';
import type { Current } from './pusher.js';

/** What the control plane serves, with the store version its export was taken at. */
export interface VersionedCurrent extends Current {
  version: number;
}

/** The store's change feed as the cluster sees it (store/change-log.ts). */
export interface RowFeed {
  since(version: number, upto: number): { entity: string; id: string; row: Record<string, unknown> | null }[] | null;
  /** The store's latest version, which the export may not have caught up with yet. */
  version(): number;
}

/** Versions remembered for hashOf (the v1 hash of /clustering/data-planes rows). */
const REMEMBERED = 1024;

export class StoreDeltaSource implements DeltaSource {
  private readonly hashes = new Map<string, string>();
  private seen: number | null = null;
  private full: { version: string; answer: Promise<DeltaAnswer> } | null = null;
  /** Full syncs and delta answers given, for tests and metrics. */
  readonly counts = { full: 0, delta: 0 };

  /**
   * `current`: the last export, never rebuilt by asking; `fresh`: an export of the store's latest
   * version, built when a full sync needs one.
   */
  constructor(
    private readonly current: () => VersionedCurrent | null,
    private readonly feed: RowFeed,
    private readonly fresh: () => Promise<VersionedCurrent | null> = async () => current(),
  ) {}

  /** The store's version (deltas come from its log), once there is an export at all. */
  private latest(cur: VersionedCurrent): number {
    if (cur.version !== this.seen) {
      this.seen = cur.version;
      this.hashes.set(formatVersion(BigInt(cur.version)), cur.hash);
      if (this.hashes.size > REMEMBERED) this.hashes.delete(this.hashes.keys().next().value!);
    }
    return Math.max(cur.version, this.feed.version());
  }

  currentVersion(): string | null {
    const cur = this.current();
    return cur ? formatVersion(BigInt(this.latest(cur))) : null;
  }

  hashOf(version: string): string | null {
    return this.hashes.get(version) ?? null;
  }

  async deltasSince(version: string): Promise<DeltaAnswer> {
    const cur = this.current();
    if (cur === null) throw new Error('the control plane has no configuration yet');
    const upto = this.latest(cur);
    const ver = formatVersion(BigInt(upto));
    if (version === ver) return { version: ver, deltas: [], wipe: false };
    const from = isValidVersion(version) ? parseVersion(version) : null;
    const changes = from === null ? null : this.feed.since(from, upto);
    if (!changes || changes.length === 0) {
      // A full sync is the export itself: of the latest version, built now if it lags.
      const full = cur.version >= upto ? cur : ((await this.fresh()) ?? cur);
      return this.fullSync(formatVersion(BigInt(full.version)), full);
    }
    this.counts.delta += 1;
    return { version: ver, deltas: toDeltas(changes, ver), wipe: false };
  }

  /** Built once per version, whatever the number of DPs asking. */
  private fullSync(ver: string, cur: VersionedCurrent): Promise<DeltaAnswer> {
    this.counts.full += 1;
    if (this.full?.version !== ver) {
      const full = { version: ver, answer: decodeReconfigure(cur.payload).then((m) => ({ version: ver, deltas: tableToDeltas(m.config_table, ver), wipe: true })) };
      full.answer.catch(() => {
        if (this.full === full) this.full = null;
      });
      this.full = full;
    }
    return this.full.answer;
  }
}

/** A version this source handed out, as the store's number; null when it cannot be one. */
function parseVersion(v: string): number | null {
  const n = Number.parseInt(v.slice(VERSION_PREFIX.length), 16);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * One delta per row changed, the last state of each, at the first place it changed (a route
 * created after its service stays after it); every delta carries the version the DP reaches. A row
 * deleted and created again within the range is a deletion at its first place and the last state
 * where it was created again: the CP lists it last from then on, and so does a DP that deletes
 * and then creates it (an upsert of a row the DP has keeps its old place).
 */
function toDeltas(changes: NonNullable<ReturnType<RowFeed['since']>>, version: string): Delta[] {
  type Change = (typeof changes)[number];
  const slots: (Change | { recreated: Change })[] = [];
  const at = new Map<string, { recreatedAt: number | null; last: Change; deleted: boolean }>();
  for (const c of changes) {
    const key = `${c.entity}:${c.id}`;
    const seen = at.get(key);
    if (!seen) {
      slots.push(c);
      at.set(key, { recreatedAt: null, last: c, deleted: c.row === null });
      continue;
    }
    if (c.row && seen.deleted) seen.recreatedAt = slots.push({ recreated: c }) - 1;
    seen.last = c;
    seen.deleted = c.row === null;
  }
  const out: Delta[] = [];
  slots.forEach((slot, i) => {
    const first = !('recreated' in slot);
    const c = first ? slot : slot.recreated;
    if (!isEntity(c.entity)) return;
    const s = at.get(`${c.entity}:${c.id}`)!;
    const row = s.last.row;
    if (first && s.recreatedAt !== null) out.push(deleteDelta(c.entity, c.id, version));
    else if (first) out.push(row ? rowDelta(c.entity, configRow(c.entity, row), version) : deleteDelta(c.entity, c.id, version));
    else if (s.recreatedAt === i && row) out.push(rowDelta(c.entity, configRow(c.entity, row), version));
  });
  return out;
}
