// apply --parallelism against real `cp run` processes: the same file applied one write at a time and
// eight at a time dumps the same; through a recording proxy in front of the CP, writes really overlap,
// never more than N at once, and no write of a dependency level starts before the previous level ended.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCli, tempDir } from '../helpers/cli.js';
import { pki, startCp } from '../helpers/cluster.js';

type Row = Record<string, unknown>;
const pkiDir = mkdtempSync(join(tmpdir(), 'hybridctl-parallel-pki-'));
let certs: (f: string) => string;

beforeAll(async () => {
  certs = await pki(pkiDir);
}, 60_000);
afterAll(() => rmSync(pkiDir, { recursive: true, force: true }));

const freshCp = async () => (await startCp(certs, join(tempDir('hybridctl-parallel-'), 'cp'))).admin;

/** 12 services × 2 routes with a plugin each, an upstream with 8 targets, 8 consumers with keys: 85 entities. */
function bigFile(): string {
  const n = (i: number) => String(i).padStart(2, '0');
  const file = {
    _format_version: '3.0',
    services: Array.from({ length: 12 }, (_, s) => ({
      name: `svc-${n(s)}`,
      host: `svc-${n(s)}.internal`,
      routes: Array.from({ length: 2 }, (_, r) => ({
        name: `svc-${n(s)}-r${r}`,
        paths: [`/s${n(s)}/r${r}`],
        plugins: [{ name: 'correlation-id', config: { header_name: `X-Trace-${n(s)}-${r}` } }],
      })),
    })),
    upstreams: [{ name: 'pool', targets: Array.from({ length: 8 }, (_, t) => ({ target: `10.0.0.${t + 1}:80`, weight: 100 + t })) }],
    consumers: Array.from({ length: 8 }, (_, c) => ({ username: `user-${n(c)}`, keyauth_credentials: [{ key: `key-${n(c)}-secret` }] })),
  };
  const path = join(tempDir(), 'big.yaml');
  writeFileSync(path, stringify(file));
  return path;
}

/** The dump without ids, which each CP generates on its own. */
async function dumpWithoutIds(admin: string): Promise<Row> {
  const r = await runCli(['dump', '--cp', admin]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(JSON.stringify(parse(r.stdout), (k, v: unknown) => (k === 'id' ? undefined : v))) as Row;
}

interface Seen { method: string; url: string; start: number; end: number }

/** An HTTP proxy to the CP that holds every write for `delayMs` and records when each was in flight. */
async function recordingProxy(target: string, delayMs: number) {
  const seen: Seen[] = [];
  const inFlight: Record<string, number> = {};
  const maxInFlight: Record<string, number> = {};
  const cp = new URL(target);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const method = req.method!;
    const kind = method === 'POST' && req.url!.includes('/validate') ? 'VALIDATE' : method;
    const s: Seen = { method: kind, url: req.url!, start: performance.now(), end: 0 };
    inFlight[kind] = (inFlight[kind] ?? 0) + 1;
    maxInFlight[kind] = Math.max(maxInFlight[kind] ?? 0, inFlight[kind]!);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const forward = () => {
        const up = request({ host: cp.hostname, port: cp.port, method, path: req.url, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode!, answer.headers);
          answer.pipe(res);
          answer.on('end', () => {
            inFlight[kind]!--;
            s.end = performance.now();
            seen.push(s);
          });
        });
        up.end(Buffer.concat(chunks));
      };
      if (kind === 'GET') forward();
      else setTimeout(forward, delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, maxInFlight };
}

const kindOf = (url: string) => (/^\/upstreams\/[^/]+\/targets\//.test(url) ? 'targets' : /^\/consumers\/[^/]+\/key-auth\//.test(url) ? 'credentials' : url.split('/')[1]!);

/** Every request of the later kinds started after every request of the earlier kinds ended. */
function expectStagesInOrder(seen: Seen[], method: string, stages: string[][]): void {
  const of = (kinds: string[]) => seen.filter((s) => s.method === method && kinds.includes(kindOf(s.url)));
  for (let i = 1; i < stages.length; i++) {
    const before = of(stages[i - 1]!);
    const after = of(stages[i]!);
    expect(before.length, stages[i - 1]!.join()).toBeGreaterThan(0);
    expect(after.length, stages[i]!.join()).toBeGreaterThan(0);
    const lastEnd = Math.max(...before.map((s) => s.end));
    const firstStart = Math.min(...after.map((s) => s.start));
    expect(firstStart, `${stages[i]!.join()} started before ${stages[i - 1]!.join()} ended`).toBeGreaterThanOrEqual(lastEnd);
  }
}

describe('apply --parallelism', () => {
  it('one write at a time and eight at a time give the same dump', async () => {
    const file = bigFile();
    const [a, b] = [await freshCp(), await freshCp()];
    const one = await runCli(['apply', file, '--cp', a, '--parallelism', '1']);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toBe('applied: 85 created, 0 updated, 0 deleted\n');
    const eight = await runCli(['apply', file, '--cp', b, '--parallelism', '8']);
    expect(eight.code, eight.stderr).toBe(0);
    expect(eight.stdout).toBe(one.stdout);
    const dumped = await dumpWithoutIds(a);
    expect((dumped.services as Row[]).flatMap((s) => s.routes as Row[])).toHaveLength(24);
    expect(await dumpWithoutIds(b)).toEqual(dumped);
    const again = await runCli(['diff', file, '--cp', b]);
    expect([again.code, again.stdout]).toEqual([0, 'no differences\n']);
  }, 60_000);

  it('writes overlap up to N and never more, level by level; deletes deepest level first', async () => {
    const file = bigFile();
    const proxy = await recordingProxy(await freshCp(), 30);
    const r = await runCli(['apply', file, '--cp', proxy.url, '--parallelism', '4']);
    expect(r.code, r.stderr).toBe(0);
    // 30 ms per write and far more than 4 writes per level: 4 workers are all busy at some point.
    expect(proxy.maxInFlight.PUT).toBe(4);
    expect(proxy.maxInFlight.VALIDATE).toBe(4);
    expectStagesInOrder(proxy.seen, 'PUT', [['consumers'], ['services', 'upstreams', 'credentials'], ['routes', 'targets'], ['plugins']]);

    const empty = join(tempDir(), 'empty.yaml');
    writeFileSync(empty, '_format_version: "3.0"\n');
    const del = await runCli(['apply', empty, '--cp', proxy.url, '--parallelism', '3']);
    expect(del.code, del.stderr).toBe(0);
    expect(del.stdout).toBe('applied: 0 created, 0 updated, 85 deleted\n');
    expect(proxy.maxInFlight.DELETE).toBe(3);
    expectStagesInOrder(proxy.seen, 'DELETE', [['plugins'], ['routes', 'targets'], ['services', 'upstreams', 'credentials'], ['consumers']]);
  }, 60_000);

  it('with --parallelism 1 no two writes overlap', async () => {
    const proxy = await recordingProxy(await freshCp(), 5);
    const r = await runCli(['apply', bigFile(), '--cp', proxy.url, '--parallelism', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect([proxy.maxInFlight.PUT, proxy.maxInFlight.VALIDATE]).toEqual([1, 1]);
    // Progress lines count every write once, whatever the order they start in.
    expect(r.stderr.match(/^\[\d+\/85\] create /gm)).toHaveLength(85);
  }, 60_000);

  it.each(['0', '-2', '1.5', 'ten', '1001'])('refuses --parallelism %s with one line naming the flag (exit 2)', async (v) => {
    const r = await runCli(['apply', 'no-such-file.yaml', '--cp', 'http://127.0.0.1:9', '--parallelism', v]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`error: invalid value '${v}' for --parallelism; expected a whole number from 1 to 1000`);
  });
});
