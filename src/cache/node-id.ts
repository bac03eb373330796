// A data plane keeps one node id for its whole life (Kong writes it to <prefix>/kong.id), so the
// control plane's status row follows the node across restarts instead of growing a new one.
import { existsSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { writeFilesAtomically } from '../util/atomic-write.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function stableNodeId(prefix: string): string {
  const file = join(prefix, 'kong.id');
  if (existsSync(file)) {
    const id = readFileSync(file, 'utf8').trim();
    if (UUID.test(id)) return id.toLowerCase();
  }
  const id = randomUUID();
  writeFilesAtomically([{ path: file, contents: `${id}\n`, mode: 0o644 }], { force: true });
  return id;
}
