// One route change applied the way a sync v2 data plane applies a delta, each step timed in one
// process on a SERVICES-service + SERVICES-route table: patching the table, checking the changed
// rows, the IPC message, recompiling in a proxy worker, and the cache's change record (encrypted).
// Then target changes on a table where every service names an upstream of its own, with one
// target each: the worker's recompile and the pool keys it keeps afterwards.
// Usage: bash bench/dp-apply.sh [SERVICES]
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_BUNDLED, compileConfig } from '../src/proxy/compile.js';
import { compileChanges } from '../src/proxy/compile-changes.js';
import type { ConfigTable, RouteRow } from '../src/proxy/config.js';
import { DeltaTable } from '../src/entities/delta-table.js';
import type { TableChange } from '../src/entities/table-change.js';
import { openConfigCache } from '../src/cache/index.js';
import { assertChangesServable } from '../src/daemon/data-plane.js';
import { createLogger } from '../src/log.js';
import { liveKeys } from '../src/proxy/upstream/pools.js';

const N = Number(process.argv[2] ?? 10_000);
const CHANGES = 50;
const services = Array.from({ length: N }, (_, i) => ({ id: randomUUID(), name: `s${i}`, protocol: 'http', host: '127.0.0.1', port: 9, path: `/${i}`, retries: 5, connect_timeout: 60_000, read_timeout: 60_000, write_timeout: 60_000, enabled: true }));
const routes: RouteRow[] = services.map((s, i) => ({ id: randomUUID(), name: `r${i}`, paths: [`/r${i}`], service: s.id, protocols: ['http', 'https'], methods: null, hosts: null, headers: null, strip_path: true, preserve_host: false, regex_priority: 0 }));
const index = new DeltaTable({ _format_version: '3.0', services, routes });
// Indexed once, as a data plane's table is by its first delta.
index.patch([{ type: 'routes', row: { ...routes[0]! }, pk: { id: routes[0]!.id } }]);
let compiled = compileConfig(index.current as ConfigTable);
const dir = mkdtempSync(join(tmpdir(), 'hybridctl-dp-apply-'));
const keyPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const cache = openConfigCache({ prefix: dir, mode: 'encrypted', keyPem, log: createLogger({ level: 'warn' }) });
await cache.save(index.current, null, 'v02_1');

const times = new Map<string, number[]>();
const timed = async <T>(step: string, fn: () => T | Promise<T>): Promise<T> => {
  const started = performance.now();
  const out = await fn();
  const list = times.get(step) ?? [];
  list.push(performance.now() - started);
  times.set(step, list);
  return out;
};

console.log(`${N} services + ${N} routes, ${CHANGES} single-route changes (ms)`);
for (let i = 0; i < CHANGES; i++) {
  const route = routes[(i * 7919) % N]!;
  const changes: TableChange[] = [{ type: 'routes', row: { ...route, paths: [`/changed${i}`] }, pk: { id: route.id } }];
  const table = await timed('patch the table', () => index.patch(changes));
  await timed('check the changed rows', () => assertChangesServable(table, changes, ALL_BUNDLED));
  await timed('IPC message (JSON both ways)', () => JSON.parse(JSON.stringify({ t: 'patch', id: i, changes })) as unknown);
  const next = await timed('recompile (a worker)', () => compileChanges(compiled, table as ConfigTable, changes, ALL_BUNDLED));
  if (!next) throw new Error('a route change should patch, not compile whole');
  compiled = next.compiled;
  await timed('cache change record', () => cache.saveChanges(table, changes, `v02_${i + 2}`));
}
const report = (): void => {
  for (const [step, list] of times) {
    list.sort((a, b) => a - b);
    console.log(`${step.padEnd(30)} median ${list[list.length >> 1]!.toFixed(3)}  max ${list[list.length - 1]!.toFixed(2)}`);
  }
  times.clear();
};
report();

const TARGET_CHANGES = 20;
const upstreams = services.map((_, i) => ({ id: randomUUID(), name: `u${i}.internal`, host_header: null, client_certificate: null }));
const targets = upstreams.map((u, i) => ({ id: randomUUID(), upstream: { id: u.id }, target: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:8000`, weight: 100 }));
const balanced = new DeltaTable({ _format_version: '3.0', services: services.map((s, i) => ({ ...s, host: upstreams[i]!.name })), routes, upstreams, targets });
balanced.patch([{ type: 'targets', row: { ...targets[0]! }, pk: { id: targets[0]!.id } }]);
compiled = compileConfig(balanced.current as ConfigTable);
let whole = 0;
console.log(`\n${N} services + routes + upstreams + targets, ${TARGET_CHANGES} single-target changes (ms)`);
for (let i = 0; i < TARGET_CHANGES; i++) {
  const t = targets[(i * 7919) % N]!;
  // Every other change moves the target (its pool can close), the rest change its weight.
  const row = i % 2 ? { ...t, target: `10.255.0.${i}:8000` } : { ...t, weight: 50 + i };
  const changes: TableChange[] = [{ type: 'targets', row, pk: { id: t.id } }];
  const table = balanced.patch(changes) as ConfigTable;
  const prev = compiled;
  let closes = true;
  // What a worker does: a whole compile when the changes cannot be patched in.
  compiled = await timed('recompile (a worker)', () => {
    const next = compileChanges(prev, table, changes, ALL_BUNDLED);
    if (!next) whole++;
    else closes = next.peersGone || next.servicesChanged;
    return next?.compiled ?? compileConfig(table, prev);
  });
  if (closes) await timed('pool keys to keep (a worker)', () => liveKeys(compiled));
}
report();
if (whole > 0) console.log(`(${whole} of ${TARGET_CHANGES} target changes compiled whole)`);
await cache.close();
rmSync(dir, { recursive: true, force: true });
