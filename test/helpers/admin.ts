// An Admin API on loopback over a fresh in-memory store, closed when the test ends.
import { onTestFinished } from 'vitest';
import { startAdmin } from '../../src/admin/server.js';
import { openMemoryStore } from '../../src/store/index.js';
import { createLogger } from '../../src/log.js';

export async function adminBase(): Promise<string> {
  const a = await startAdmin({ listen: { host: '127.0.0.1', port: 0 }, store: openMemoryStore(), log: createLogger({ level: 'error' }), nodeId: '11111111-2222-4333-8444-555555555555' });
  onTestFinished(() => a.close());
  return `http://127.0.0.1:${a.address.port}`;
}
