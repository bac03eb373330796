// Sync v2's pieces on their own: versions, the full-sync deltas a CP sends, the config_table a DP
// rebuilds from them (the same hash as the v1 push), deltas that are not a full sync, the hello.
import { describe, expect, it } from 'vitest';
import { configHash } from '../../../src/cluster/protocol/hash.js';
import { decodeHello, decodeHelloResult, encodeHello, encodeHelloResult, labelsOf } from '../../../src/cluster/protocol/rpc.js';
import { buildReconfigure } from '../../../src/cluster/protocol/messages.js';
import { DEFAULT_WORKSPACE_ID, deltasOf, deltasToTable, formatVersion, isValidVersion, tableToDeltas } from '../../../src/cluster/protocol/sync-v2.js';
import { FullExportDeltaSource } from '../../../src/cluster/server/delta-source.js';

const SVC = '0855b320-0dd2-547d-891d-601e9b38647f';
const ROUTE = 'e1f4f0a4-7b8c-4b55-9a4d-3c1f0b2a9d10';
const TABLE = {
  _format_version: '3.0',
  _transform: false,
  services: [{ id: SVC, name: 'echo', host: 'example.test', port: 80, protocol: 'http', path: null, client_certificate: null, enabled: true }],
  routes: [{ id: ROUTE, name: null, paths: ['/echo'], service: SVC, strip_path: true }],
};

describe('sync v2 versions', () => {
  it("formats Kong's v02_ + 28 hex digits and validates as Kong's is_valid_version", () => {
    expect(formatVersion(0n)).toBe('v02_0000000000000000000000000000');
    expect(formatVersion(255n)).toBe('v02_00000000000000000000000000ff');
    expect(isValidVersion(formatVersion(123n))).toBe(true);
    expect(isValidVersion('0'.repeat(32))).toBe(false);
    expect(isValidVersion(`v02_${'A'.repeat(28)}`)).toBe(true);
    expect(isValidVersion(`v02_${'g'.repeat(28)}`)).toBe(false);
    expect(isValidVersion('v02_00')).toBe(false);
  });
});

describe('full sync deltas', () => {
  const v = formatVersion(7n);
  const deltas = tableToDeltas(TABLE, v);

  it("start with the default workspace and carry ws_id, the version and foreign keys as { id }, as Kong's sync emitter", () => {
    expect(deltas[0]).toMatchObject({ type: 'workspaces', entity: { id: DEFAULT_WORKSPACE_ID, name: 'default' }, version: v, ws_id: DEFAULT_WORKSPACE_ID });
    expect(deltas.map((d) => d.type)).toEqual(['workspaces', 'services', 'routes']);
    expect(deltas[2]!.entity).toMatchObject({ id: ROUTE, service: { id: SVC }, ws_id: DEFAULT_WORKSPACE_ID });
    expect(deltas[1]!.entity).toMatchObject({ client_certificate: null, path: null });
    expect(deltas.every((d) => d.version === v && d.ws_id === DEFAULT_WORKSPACE_ID)).toBe(true);
  });

  it('rebuild the very config_table they came from: a v2 DP has the hash a v1 DP gets', () => {
    const back = deltasToTable(deltasOf(JSON.parse(JSON.stringify(deltas))), null);
    expect(back).toEqual(TABLE);
    expect(configHash(back).config_hash).toBe(configHash(TABLE).config_hash);
  });

  it('apply on top of a table when they are not a full sync: upsert by id, delete by pk', () => {
    const v2 = formatVersion(8n);
    const next = deltasToTable([
      { type: 'routes', entity: { id: ROUTE, paths: ['/moved'], service: { id: SVC }, ws_id: DEFAULT_WORKSPACE_ID }, version: v2, ws_id: DEFAULT_WORKSPACE_ID },
      { type: 'consumers', entity: { id: 'c0000000-0000-4000-8000-000000000001', username: 'ann', ws_id: DEFAULT_WORKSPACE_ID }, version: v2 },
      { type: 'services', entity: null, pk: { id: 'not-there' }, version: v2, ws_id: DEFAULT_WORKSPACE_ID },
    ], TABLE);
    expect(next.routes).toEqual([{ id: ROUTE, paths: ['/moved'], service: SVC }]);
    expect(next.consumers).toEqual([{ id: 'c0000000-0000-4000-8000-000000000001', username: 'ann' }]);
    expect(next.services).toEqual(TABLE.services);
    expect(TABLE.routes[0]!.paths).toEqual(['/echo']);
    const gone = deltasToTable([{ type: 'routes', entity: null, pk: { id: ROUTE }, version: v2, ws_id: DEFAULT_WORKSPACE_ID }], next);
    expect(gone.routes).toBeUndefined();
  });

  it.each([
    [{}, 0],
    [[], 0],
  ])("take a Kong CP's empty deltas (%j)", (input, n) => {
    expect(deltasOf(input)).toHaveLength(n);
  });

  it.each([
    ['not a list', 'x', /deltas is not a list/],
    ['an entity without a workspace', [{ type: 'services', entity: { id: SVC }, version: 'v' }], /deltas\.1: workspace id not found/],
    ['a deletion without pk', [{ type: 'services', entity: null, version: 'v', ws_id: 'w' }], /deltas\.1: a deletion without pk/],
    ['no version', [{ type: 'services', entity: { id: SVC, ws_id: 'w' } }], /deltas\.1\.version: expected a string/],
  ])('refuse %s', (_name, input, message) => {
    expect(() => deltasOf(input)).toThrow(message);
  });
});

describe('the full-export delta source (Kong OSS 3.10 get_delta)', () => {
  it('one increasing version per distinct config; the same version gets nothing, any other a full sync', async () => {
    let current = buildReconfigure(TABLE);
    let clock = 1_000;
    const src = new FullExportDeltaSource(() => current, () => clock);
    const v1 = src.currentVersion()!;
    expect(isValidVersion(v1)).toBe(true);
    expect(src.currentVersion()).toBe(v1);
    expect(await src.deltasSince(v1)).toEqual({ version: v1, deltas: [], wipe: false });
    const full = await src.deltasSince('0'.repeat(32));
    expect(full.wipe).toBe(true);
    expect(full.deltas.map((d) => d.type)).toEqual(['workspaces', 'services', 'routes']);
    expect(src.hashOf(v1)).toBe(current.hash);

    current = buildReconfigure({ ...TABLE, routes: [] });
    clock = 500; // a clock going back still gives a greater version
    const v2 = src.currentVersion()!;
    expect(v2 > v1).toBe(true);
    expect((await src.deltasSince(v1)).deltas.map((d) => d.type)).toEqual(['workspaces', 'services']);
    expect(src.hashOf(v1)).not.toBe(src.hashOf(v2));
  });
});

describe('the kong.meta.v1 hello', () => {
  const info = { rpc_capabilities: ['kong.sync.v2'], rpc_frame_encodings: ['x-snappy-framed'], kong_version: '3.10.0', kong_hostname: 'dp-1', kong_node_id: 'n1', kong_conf: { cluster_dp_labels: ['region:eu', 'tier:gold:1'] } };

  it('round-trips, and the labels are read from kong_conf as Kong reads them', () => {
    const back = decodeHello(encodeHello(info), true);
    expect(back).toEqual(info);
    expect(labelsOf(back.kong_conf)).toEqual({ region: 'eu', tier: 'gold:1' });
    expect(JSON.parse(encodeHello(info).toString())).toMatchObject({ jsonrpc: '2.0', method: 'kong.meta.v1.hello', id: 1 });
    expect(decodeHelloResult(encodeHelloResult(['kong.sync.v2']), true)).toEqual({ rpc_capabilities: ['kong.sync.v2'], rpc_frame_encoding: 'x-snappy-framed' });
  });

  it.each([
    ['no snappy encoding', { ...info, rpc_frame_encodings: ['identity'] }, /unknown encodings: \["identity"\]/],
    ['no node id', { ...info, kong_node_id: 5 }, /kong_node_id is not a string/],
    ['no conf', { ...info, kong_conf: 'x' }, /kong_conf is not a table/],
  ])('refuses a hello with %s, in Kong\'s words where Kong has them', (_name, bad, message) => {
    expect(() => decodeHello(encodeHello(bad as typeof info), true)).toThrow(message);
  });

  it('refuses a text frame and another meta call', () => {
    expect(() => decodeHello(encodeHello(info), false)).toThrow(/wrong frame type: text/);
    const other = Buffer.from(JSON.stringify({ jsonrpc: '2.0', method: 'kong.meta.v2.hello', params: [info], id: 1 }));
    expect(() => decodeHello(other, true)).toThrow(/wrong RPC meta call: kong.meta.v2.hello/);
  });
});
