// Where kong.sync.v2.get_delta answers come from. The seam: a DeltaSource knows the current
// version and what a DP at some version needs. This one is Kong OSS 3.10's rule (the same
// version: nothing; any other: everything, as a full sync), the default of startClusterServer;
// the control plane uses StoreDeltaSource (store-delta-source.ts), real deltas from the store.
import { decodeReconfigure } from '../protocol/messages.js';
import { formatVersion, tableToDeltas, type Delta } from '../protocol/sync-v2.js';
import type { Current } from './pusher.js';

export interface DeltaAnswer {
  /** The version the DP is at once it applied `deltas`. */
  version: string;
  deltas: Delta[];
  /** Replace everything the DP has (Kong's full_sync). */
  wipe: boolean;
}

export interface DeltaSource {
  /** The version of the configuration being served; null before there is one. */
  currentVersion(): string | null;
  /** What a DP that says it is at `version` needs to reach currentVersion(). */
  deltasSince(version: string): Promise<DeltaAnswer>;
  /** The config hash (v1's, md5) of the configuration `version` stands for, when known. */
  hashOf(version: string): string | null;
}

/** Versions remembered for hashOf: enough for DPs a few changes behind. */
const REMEMBERED = 256;

/**
 * Kong OSS 3.10's get_delta on top of the v1 export: one version per distinct config hash, and a
 * full sync for any DP not at the current one. Versions are the clock in microseconds, kept
 * increasing, so they still grow across a control plane restart (a Kong DP ignores a notified
 * version that is not greater than its own).
 */
export class FullExportDeltaSource implements DeltaSource {
  private hash: string | null = null;
  private version: string | null = null;
  private counter = 0n;
  private readonly hashes = new Map<string, string>();
  private full: { version: string; answer: Promise<DeltaAnswer> } | null = null;

  constructor(
    private readonly current: () => Current | null,
    private readonly now: () => number = Date.now,
  ) {}

  currentVersion(): string | null {
    const cur = this.current();
    if (!cur) return null;
    if (cur.hash !== this.hash) {
      this.counter = bigMax(this.counter + 1n, BigInt(Math.floor(this.now())) * 1000n);
      this.hash = cur.hash;
      this.version = formatVersion(this.counter);
      this.hashes.set(this.version, cur.hash);
      if (this.hashes.size > REMEMBERED) this.hashes.delete(this.hashes.keys().next().value!);
      this.full = null;
    }
    return this.version;
  }

  hashOf(version: string): string | null {
    return this.hashes.get(version) ?? null;
  }

  async deltasSince(version: string): Promise<DeltaAnswer> {
    const cur = this.currentVersion();
    if (cur === null) throw new Error('the control plane has no configuration yet');
    if (version === cur) return { version: cur, deltas: [], wipe: false };
    // Built once per version, whatever the number of DPs asking.
    if (this.full?.version !== cur) {
      const payload = this.current()!.payload;
      const full = { version: cur, answer: decodeReconfigure(payload).then((m) => ({ version: cur, deltas: tableToDeltas(m.config_table, cur), wipe: true })) };
      full.answer.catch(() => {
        if (this.full === full) this.full = null;
      });
      this.full = full;
    }
    return this.full.answer;
  }
}

const bigMax = (a: bigint, b: bigint) => (a > b ? a : b);
