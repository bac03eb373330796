import { describe, expect, it } from 'vitest';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  buildReconfigure, decodeBasicInfo, decodeReconfigure, encodeBasicInfo, encodePing, parsePing, ProtocolError,
} from '../../../src/cluster/protocol/messages.js';
import { configHash, EMPTY_CONFIG_HASH } from '../../../src/cluster/protocol/hash.js';

const TABLE = { _format_version: '3.0', _transform: false, services: [{ id: 's1', name: 'a', host: 'h', port: 80, path: null }] };

describe('basic_info', () => {
  it('round-trips, plugins sorted case-insensitively, labels only when set', () => {
    const buf = encodeBasicInfo({ plugins: [{ name: 'key-auth', version: '3.10.0' }, { name: 'ACL', version: '3.10.0' }], labels: { region: 'eu' } });
    const raw = JSON.parse(buf.toString()) as Record<string, unknown>;
    expect(raw).toEqual({ type: 'basic_info', plugins: [{ name: 'ACL', version: '3.10.0' }, { name: 'key-auth', version: '3.10.0' }], filters: {}, labels: { region: 'eu' } });
    expect(decodeBasicInfo(buf, true).labels).toEqual({ region: 'eu' });
    expect('labels' in JSON.parse(encodeBasicInfo({ plugins: [] }).toString())).toBe(false);
  });

  it('accepts an empty plugin list encoded as an empty object (cjson)', () => {
    expect(decodeBasicInfo(Buffer.from('{"type":"basic_info","plugins":{}}'), true).plugins).toEqual([]);
  });

  it.each([
    ['text frame', '{"type":"basic_info","plugins":[]}', false, /^failed to receive websocket basic info frame/],
    ['not JSON', 'nope', true, /^failed to decode websocket basic info data: /],
    ['JSON scalar', '3', true, /^failed to decode websocket basic info data$/],
    ['wrong type', '{"type":"ping","plugins":[]}', true, /^invalid basic info data type: ping$/],
    ['no type', '{"plugins":[]}', true, /^invalid basic info data type: unknown$/],
    ['no plugins', '{"type":"basic_info"}', true, /^missing plugins in basic info data$/],
  ])('rejects %s with Kong\'s message', (_n, text, binary, re) => {
    expect(() => decodeBasicInfo(Buffer.from(text), binary)).toThrow(re);
    expect(() => decodeBasicInfo(Buffer.from(text), binary)).toThrow(ProtocolError);
  });
});

describe('reconfigure', () => {
  it('is gzip(JSON) with the hash of the table and a timestamp in seconds', async () => {
    const built = buildReconfigure(TABLE, 1_700_000_000_123);
    expect(built.payload.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const msg = JSON.parse(gunzipSync(built.payload).toString()) as Record<string, unknown>;
    expect(msg).toEqual({ type: 'reconfigure', timestamp: 1_700_000_000.123, config_table: TABLE, ...configHash(TABLE) });
    expect(built.hash).toBe(configHash(TABLE).config_hash);
    const decoded = await decodeReconfigure(built.payload);
    expect(decoded.config_hash).toBe(built.hash);
    expect(decoded.config_table).toEqual(TABLE);
  });

  it('fills a missing hash and hashes the way a Kong DP does', async () => {
    const payload = gzipSync(JSON.stringify({ type: 'reconfigure', config_table: TABLE }));
    const d = await decodeReconfigure(payload);
    expect(d.config_hash).toBe(configHash(TABLE).config_hash);
    const partial = await decodeReconfigure(gzipSync(JSON.stringify({ type: 'reconfigure', config_table: TABLE, config_hash: 'a'.repeat(32) })));
    expect(partial.config_hash).toBe('a'.repeat(32));
  });

  it('bounds the inflated size (gzip bomb)', async () => {
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(64 * 1024);
    await expect(decodeReconfigure(bomb, { maxInflated: 1024 * 1024 })).rejects.toThrow(/inflates beyond 1048576 bytes/);
  });

  it('rejects garbage, truncated gzip and other message types', async () => {
    await expect(decodeReconfigure(Buffer.from('plain'))).rejects.toThrow(/unable to inflate/);
    const good = buildReconfigure(TABLE).payload;
    await expect(decodeReconfigure(good.subarray(0, good.length - 6))).rejects.toThrow(/unable to inflate/);
    await expect(decodeReconfigure(gzipSync('{"type":"x"}'))).rejects.toThrow(/not a reconfigure message/);
  });
});

describe('ping', () => {
  it('carries exactly 32 bytes; anything else becomes zeros', () => {
    expect(encodePing('a'.repeat(32)).toString()).toBe('a'.repeat(32));
    expect(encodePing('')).toEqual(Buffer.from(EMPTY_CONFIG_HASH));
    expect(encodePing(null).length).toBe(32);
    expect(parsePing(Buffer.from('b'.repeat(32)))).toBe('b'.repeat(32));
    expect(parsePing(Buffer.from('b'.repeat(31)))).toBeNull();
    expect(parsePing(Buffer.alloc(0))).toBeNull();
  });
});
