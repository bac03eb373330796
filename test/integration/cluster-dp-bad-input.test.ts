// A hostile or broken control plane: whatever it sends, the data plane keeps its last good config.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { WebSocketServer, type WebSocket } from 'ws';
import { generateSharedPair, type Issued } from '../../src/pki/generate.js';
import { buildReconfigure } from '../../src/cluster/protocol/messages.js';
import { startSyncClient } from '../../src/cluster/client/index.js';
import { createLogger } from '../../src/log.js';

let pair: Issued;
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});
beforeAll(async () => {
  pair = await generateSharedPair({ now: new Date(Date.now() - 60_000) });
});

/** A CP that sends, to each DP after its basic_info, the frames the test gives it. */
async function rawCp(frames: (Buffer | string)[], opts: { maxPayload?: number } = {}): Promise<{ port: number }> {
  const server: Server = createServer({ cert: pair.certPem, key: pair.keyPem, requestCert: true, rejectUnauthorized: false });
  const wss = new WebSocketServer({ server, path: '/v1/outlet', maxPayload: opts.maxPayload ?? 100 * 1024 * 1024 });
  wss.on('connection', (ws: WebSocket) => {
    ws.once('message', () => {
      for (const f of frames) ws.send(f, { binary: typeof f !== 'string' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(
    () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  return { port: (server.address() as AddressInfo).port };
}

const GOOD = (name: string) => ({ _format_version: '3.0', services: [{ id: '0855b320-0dd2-547d-891d-601e9b38647f', name, host: 'x.test', port: 80, protocol: 'http' }] });

async function run(frames: (Buffer | string)[], maxPayload?: number, maxInflated = 8 * 1024 * 1024) {
  const cp = await rawCp(frames);
  const lines: string[] = [];
  const applied: string[] = [];
  let hash: string | null = null;
  const client = startSyncClient({
    cpAddress: `127.0.0.1:${cp.port}`,
    mode: 'shared',
    certPem: pair.certPem,
    keyPem: pair.keyPem,
    nodeId: 'a0d1b6c3-3f2e-4f5a-9b8c-7d6e5f4a3b2c',
    hostname: 'dp',
    version: '3.10.0',
    log: createLogger({ level: 'debug', write: (l) => lines.push(l) }),
    currentHash: () => hash,
    apply: async (t, h) => {
      const services = t.services;
      if (!Array.isArray(services)) throw new Error('services is not an array');
      applied.push(String((services[0] as { name?: string } | undefined)?.name));
      hash = h;
    },
    maxPayload,
    maxInflated,
    timers: { reconnectMinMs: 60_000, reconnectMaxMs: 60_000 },
  });
  cleanup.push(() => client.stop());
  return { lines, applied, hash: () => hash };
}

const settle = () => new Promise((r) => setTimeout(r, 400));

describe('bad input from the control plane', () => {
  it('rejects garbage, invalid JSON, wrong types and a gzip bomb, keeping the last good config', async () => {
    const good = buildReconfigure(GOOD('first'));
    const bomb = gzipSync(Buffer.alloc(24 * 1024 * 1024, 0x20), { level: 9 }); // 24 MiB from ~24 KiB
    const dp = await run([
      good.payload,
      Buffer.from('not gzip at all'),
      gzipSync('{"type":"reconfigure", "config_table": '),
      gzipSync(JSON.stringify({ type: 'reconfigure', config_table: { services: 'nope' }, config_hash: 'f'.repeat(32) })),
      gzipSync(JSON.stringify({ type: 'something-else' })),
      bomb,
    ]);
    const count = () => dp.lines.filter((l) => /rejected a configuration/.test(l)).length;
    for (let i = 0; i < 200 && count() < 5; i++) await new Promise((r) => setTimeout(r, 50));
    expect(dp.applied).toEqual(['first']);
    expect(dp.hash()).toBe(good.hash);
    const rejected = dp.lines.filter((l) => /rejected a configuration from the control plane; the previous one keeps serving/.test(l));
    expect(rejected.length).toBe(5);
    expect(rejected.join('\n')).toMatch(/inflates beyond/);
  }, 30_000);

  it('drops a frame over cluster_max_payload without applying it', async () => {
    const big = buildReconfigure({ _format_version: '3.0', services: [{ id: '0855b320-0dd2-547d-891d-601e9b38647f', name: 'x'.repeat(10), host: 'x.test', tags: Array.from({ length: 20000 }, (_, i) => `tag-${i}-${Math.random()}`) }] });
    const dp = await run([big.payload], 1024);
    await settle();
    expect(dp.applied).toEqual([]);
    expect(dp.lines.join('\n')).toMatch(/Max payload size exceeded|payload/i);
  });
});
