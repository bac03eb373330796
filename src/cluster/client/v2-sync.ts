// The data plane's kong.sync.v2 loop on an established RPC connection: get_delta at once, every
// 30 s and whenever the CP notifies a newer version; each answer turned into a config_table and
// applied as a v1 reconfigure is (Kong: clustering/services/sync/rpc.lua do_sync, sync_once).
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import { configHash } from '../protocol/hash.js';
import { RpcFailure, type RpcPeer } from '../protocol/rpc-peer.js';
import { DELTAS_PARSE_ERROR, GET_DELTA, NO_LATEST_VERSION, NOTIFY_VALIDATION_ERROR, UNKNOWN_VERSION, deltasOf, deltasToChanges, deltasToTable, lastVersion } from '../protocol/sync-v2.js';
import { DeltaTable } from '../protocol/delta-table.js';
import { capped, type SyncClientOptions } from './session.js';

/** A full sync of a large config takes the CP longer than Kong's 5 s to export. */
export const GET_DELTA_TIMEOUT_MS = 60_000;
/** Kong's MAX_RETRY and its 0.1 s timer: a notified version not reached yet is asked for again. */
const MAX_RETRY = 5;
const RETRY_MS = 100;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class V2Syncer {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private latestNotified: string | null = null;
  /** The version whose deltas failed last: not applied or reported again until it changes. */
  private failed: string | null = null;
  private readonly poll: NodeJS.Timeout;
  /** The applied table's rows by type and id, kept while that table is the one served. */
  private index: DeltaTable | null = null;

  constructor(private readonly peer: RpcPeer, private readonly o: SyncClientOptions, private readonly log: Logger, pollMs: number) {
    this.poll = setInterval(() => this.sync(), pollMs);
    this.poll.unref();
  }

  private version(): string {
    return this.o.syncVersion?.() ?? this.o.currentHash() ?? UNKNOWN_VERSION;
  }

  /** kong.sync.v2.notify_new_version: sync when the CP has something newer (versions compare as strings). */
  onNotify(params: unknown[]): true {
    const ns = isRecord(params[0]) ? params[0].default : undefined;
    if (!isRecord(ns)) throw new RpcFailure('default namespace does not exist inside params');
    if (typeof ns.new_version !== 'string') throw new RpcFailure("'new_version' key does not exist");
    if (this.version() < ns.new_version) {
      this.latestNotified = ns.new_version;
      this.sync();
    } else this.log.debug(`no sync runs, version is ${ns.new_version}`);
    return true;
  }

  /** One sync at a time; asked again meanwhile, one more runs after it. */
  sync(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      let retries = 0;
      do {
        this.again = false;
        await this.once();
        const behind = this.latestNotified !== null && this.version() < this.latestNotified;
        if (behind && retries < MAX_RETRY && !this.again) {
          retries += 1;
          await new Promise((r) => setTimeout(r, RETRY_MS));
          this.again = true;
        }
      } while (this.again && !this.stopped);
      this.running = null;
    })();
  }

  /** Resolves when no sync is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.poll);
  }

  /** What a non-full answer patches: the served table, indexed once while it stays served. */
  private base(): DeltaTable | null {
    const served = this.o.currentTable?.() ?? null;
    if (!served) return null;
    if (this.index?.current !== served) this.index = new DeltaTable(served);
    return this.index;
  }

  private async once(): Promise<void> {
    const from = this.version();
    let res: unknown;
    try {
      res = await this.peer.call(GET_DELTA, [{ default: { version: from } }], GET_DELTA_TIMEOUT_MS);
    } catch (err) {
      if (this.peer.isOpen) this.log.error(`sync get_delta error: ${capped(errorMessage(err))}`);
      return;
    }
    const ns = isRecord(res) ? res.default : undefined;
    if (!isRecord(ns)) return void this.log.error('sync get_delta error: default namespace does not exist in the answer');
    const full = ns.full_sync === true || ns.wipe === true;
    const latest = typeof ns.latest_version === 'string' ? ns.latest_version : null;
    let version: string | null = null;
    try {
      const deltas = deltasOf(ns.deltas);
      if (deltas.length === 0) return;
      version = lastVersion(deltas)!;
      if (version === this.failed) return void this.log.debug('the same deltas failed before; not applying them again', { sync_version: version });
      // The whole of applying: patching the table and hashing it, too.
      const started = performance.now();
      const base = full ? null : this.base();
      if (base && this.o.applyChanges) {
        // Rows patched into what is served, and only those re-checked and recompiled: no hash of
        // the whole table (it is computed when asked for), no whole re-apply.
        const changes = deltasToChanges(deltas);
        const patched = base.patch(changes);
        try {
          await this.o.applyChanges(patched, changes, version);
        } catch (err) {
          // The index already holds the refused rows: it is built again from what is still served.
          this.index = null;
          throw err;
        }
        this.log.info('configuration applied', { sync_version: version, full_sync: false, changes: changes.length, ms: Math.round((performance.now() - started) * 10) / 10 });
      } else await this.applyWhole(deltasToTable(deltas, base), version, full, started);
      this.failed = null;
      // Kong's update_status: the get_delta notification tells the CP the version this DP is at now.
      if (version !== from) this.peer.notify(GET_DELTA, [{ default: { version } }]);
    } catch (err) {
      const message = capped(errorMessage(err));
      this.failed = version;
      this.log.error('rejected a configuration from the control plane; the previous one keeps serving', { error: message, sync: 'v2' });
      this.peer.notify(NOTIFY_VALIDATION_ERROR, [{
        version: latest ?? version ?? NO_LATEST_VERSION,
        // Kong's err_t from validate_deltas, without the per-entity list this DP does not build.
        error: { code: DELTAS_PARSE_ERROR.code, name: DELTAS_PARSE_ERROR.name, message, source: 'hybridctl data plane', fields: {}, flattened_errors: [] },
      }]);
    }
  }

  /** A full sync (or deltas without applyChanges): checked, hashed and applied whole. */
  private async applyWhole(table: Record<string, unknown>, version: string, full: boolean, started: number): Promise<void> {
    const hash = configHash(table).config_hash;
    if (hash === this.o.currentHash()) {
      await this.o.adoptSyncVersion?.(version);
      this.log.debug('configuration unchanged, skipping', { config_hash: hash, sync_version: version });
      return;
    }
    await this.o.apply(table, hash, { syncVersion: version });
    this.log.info('configuration applied', { config_hash: hash, sync_version: version, full_sync: full, ms: Math.round(performance.now() - started) });
  }
}
