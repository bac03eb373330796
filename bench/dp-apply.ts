// One route change applied the way a sync v2 data plane applies a delta, each step timed in one
// process on a SERVICES-service + SERVICES-route table: patching the table, checking the changed
// rows, the IPC message, recompiling in a proxy worker, and the cache's change record (encrypted).
// Usage: bash bench/dp-apply.sh [SERVICES]
import { compileConfig, ALL_BUNDLED } from '../src/proxy/compile.js';
import { compileChanges } from '../src/proxy/compile-changes.js';
import { DeltaTable } from '../src/entities/delta-table.js';
import { openConfigCache } from '../src/cache/index.js';
import { assertChangesServable } from '../src/daemon/data-plane.js';
import { createLogger } from '../src/log.js';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const N = Number(process.argv[2] ?? 10000);
const services = Array.from({ length: N }, (_, i) => ({ id: randomUUID(), name: `s${i}`, protocol: 'http', host: '127.0.0.1', port: 9, path: `/${i}`, retries: 5, connect_timeout: 60000, read_timeout: 60000, write_timeout: 60000, enabled: true }));
const routes = services.map((s, i) => ({ id: randomUUID(), name: `r${i}`, paths: [`/r${i}`], service: s.id, protocols: ['http', 'https'], methods: null, hosts: null, headers: null, strip_path: true, preserve_host: false, regex_priority: 0, path_handling: 'v0' }));
const table: any = { _format_version: '3.0', services, routes };
const idx = new DeltaTable(table);
idx.patch([{ type: 'routes', row: routes[0], pk: { id: routes[0].id } }]);
let compiled = compileConfig(idx.current as any);
const cache = openConfigCache({ prefix: mkdtempSync(join(tmpdir(), 'hybridctl-dp-apply-')), mode: 'encrypted', keyPem: (await import('node:crypto')).generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, log: createLogger({ level: 'warn' }) });
await cache.save(idx.current, null, 'v1');
const acc: Record<string, number[]> = {};
const t = (k: string, fn: () => any) => { const a = performance.now(); const r = fn(); (acc[k] ??= []).push(performance.now() - a); return r; };
console.log(`${N} services + ${N} routes, 50 single-route changes`);
for (let i = 0; i < 50; i++) {
  const r = routes[(i * 7919) % N];
  const changes = [{ type: 'routes', row: { ...r, paths: [`/changed${i}`] }, pk: { id: r.id } }];
  const next = t('patch table', () => idx.patch(changes));
  t('check rows', () => assertChangesServable(next, changes, ALL_BUNDLED as any));
  t('JSON ipc', () => JSON.parse(JSON.stringify({ t: 'patch', id: 1, changes })));
  const c = t('compileChanges', () => compileChanges(compiled, next, changes, ALL_BUNDLED));
  compiled = c.compiled;
  const a = performance.now(); await cache.saveChanges(next, changes, `v${i}`); (acc['cache'] ??= []).push(performance.now() - a);
}
for (const [k, v] of Object.entries(acc)) { v.sort((a, b) => a - b); console.log(k.padEnd(16), 'median', v[v.length >> 1].toFixed(3), 'ms  max', v[v.length - 1].toFixed(2)); }
