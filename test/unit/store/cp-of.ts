// What a CP does for the delta tests: export at a version, and a DeltaSource over the store's feed.
import type { Store } from '../../../src/store/index.js';
import { buildReconfigure } from '../../../src/cluster/protocol/messages.js';
import { StoreDeltaSource, type VersionedCurrent } from '../../../src/cluster/server/store-delta-source.js';

export function cpOf(s: Store) {
  let current: VersionedCurrent | null = null;
  const rebuild = async () => {
    const version = s.changes().version();
    current = { ...buildReconfigure(await s.exportConfigTable()), version };
  };
  return { rebuild, source: new StoreDeltaSource(() => current, s.changes()), hash: () => current!.hash };
}
