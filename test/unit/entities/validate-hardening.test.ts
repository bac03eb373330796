// One validation before anything is stored: Kong's host, name and tag rules with Kong's messages,
// and depth/size caps on every value so nothing stored can overflow JSON.stringify.
import { describe, expect, it } from 'vitest';
import { ENTITY_LIMITS, validateRow, type Row } from '../../../src/entities/index.js';
import { plainJson } from '../../../src/entities/json-shape.js';
import { normalizeIp } from '../../../src/entities/ip.js';

const deep = (n: number, leaf: unknown = 1): Row => {
  let v: unknown = leaf;
  for (let i = 0; i < n; i++) v = { a: v };
  return v as Row;
};
const errorsOf = (entity: string, input: unknown) => validateRow(entity, input).errors;

describe('hosts: Kong typedefs.host and tools/ip.lua', () => {
  it.each([
    ['999.1.1.1', 'invalid value: 999.1.1.1'],
    ['4294967296', 'invalid value: 4294967296'],
    ['1.1.1.1.1.1', 'invalid value: 1.1.1.1.1.1'],
    ['[1::1::1]', 'invalid value: [1::1::1]'],
    ['1a.2', 'invalid value: 1a.2'],
    ['a.0x10', 'invalid value: a.0x10'],
    ['a..b', 'invalid value: a..b'],
    ['a-.b', 'invalid value: a-.b'],
    ['a b', 'invalid value: a b'],
    ['a.test:80', 'must not have a port'],
    ['1.2.3.4:80', 'must not have a port'],
    ['a.test:99999', 'must not have a port'],
  ])('refuses service host %j with %j', (host, message) => {
    expect(errorsOf('services', { host })).toEqual({ host: message });
  });

  it.each(['a.test', 'billing.internal.', '1.2.3.4', '::1', '[::1]', 'fe80::1', 'a_b.test', 'localhost', '001.002.003.004'])('accepts service host %j', (host) => {
    expect(errorsOf('services', { host })).toBeNull();
  });

  it('a service url with a host Kong refuses is refused too', () => {
    expect(errorsOf('services', { url: 'http://999.1.1.1:80/x' })).not.toBeNull();
  });

  it('normalizes like Kong: ipv4 without leading zeros, ipv6 expanded', () => {
    expect(normalizeIp('001.002.003.004:123')).toEqual({ ok: { type: 'ipv4', host: '1.2.3.4', port: 123 } });
    expect(normalizeIp('[::1]:8000')).toEqual({ ok: { type: 'ipv6', host: '0000:0000:0000:0000:0000:0000:0000:0001', port: 8000 } });
    expect(normalizeIp('1::2::3::4::5::6::7::8::9')).toEqual({ error: 'invalid ipv6 address: 1::2::3::4::5::6::7::8::9' });
  });

  it('route hosts, snis, upstream names, host_header and targets use their own Kong rules and messages', () => {
    expect(errorsOf('routes', { hosts: ['a.*.b', '*.ok.test', 'x.test:8000', '**.a', '999.1.1.1'] })).toEqual({
      hosts: { 1: 'invalid wildcard: must be placed at leftmost or rightmost label', 4: 'invalid wildcard: must have at most one wildcard', 5: 'invalid ipv4 address: 999.1.1.1' },
    });
    expect(errorsOf('routes', { snis: ['1.2.3.4'], paths: ['/'] })).toEqual({ snis: { 1: 'must not be an IP' } });
    expect(errorsOf('upstreams', { name: '10.0.0.1' })).toEqual({ name: "Invalid name ('10.0.0.1'); no ip addresses allowed" });
    expect(errorsOf('upstreams', { name: 'up.test:80' })).toEqual({ name: "Invalid name ('up.test:80'); no port allowed" });
    expect(errorsOf('upstreams', { name: '1a.2' })).toEqual({ name: "Invalid name ('1a.2'); must be a valid hostname" });
    expect(errorsOf('upstreams', { name: 'up.test', host_header: '999.1.1.1' })).toEqual({ host_header: 'invalid ipv4 address: 999.1.1.1' });
    const upstream = { id: '3f1b1c8e-0000-4000-8000-000000000000' };
    expect(errorsOf('targets', { upstream, target: '[1::1::1]:80' })).toEqual({ target: "Invalid target ('[1::1::1]:80'); not a valid hostname or ip address" });
    expect(validateRow('targets', { upstream, target: '10.0.0.1' }).row.target).toBe('10.0.0.1:8000');
  });
});

describe('names and tags: Kong typedefs.utf8_name and typedefs.tag', () => {
  const ascii = "the only accepted ascii characters are alphanumerics or ., -, _, and ~";
  it.each([
    ['with\u0000nul'], ['esc\u001b[31m'], ['has space'], ['../etc'], ['a/b'],
  ])('refuses name %j with Kong\'s message', (name) => {
    expect(errorsOf('services', { name, host: 'a.test' })).toEqual({ name: `invalid value '${name}': ${ascii}` });
  });

  it('refuses lone surrogates as invalid UTF-8 at Kong\'s byte position, and 10k characters by length', () => {
    expect(errorsOf('routes', { name: 'ab\ud800', paths: ['/'] })).toEqual({ name: 'invalid utf-8 character sequence detected at position 3' });
    expect(errorsOf('services', { name: 'é\udc00', host: 'a.test' })).toEqual({ name: 'invalid utf-8 character sequence detected at position 3' });
    expect(errorsOf('services', { name: 'x'.repeat(10_000), host: 'a.test' })).toEqual({ name: 'length must be at most 255' });
    expect(errorsOf('plugins', { name: 'key-auth', instance_name: 'a b' })).toMatchObject({ instance_name: `invalid value 'a b': ${ascii}` });
  });

  it('accepts Kong\'s names, UTF-8 included', () => {
    expect(errorsOf('services', { name: 'billing-v1.2_x~', host: 'a.test' })).toBeNull();
    expect(errorsOf('services', { name: 'facturación-😀', host: 'a.test' })).toBeNull();
  });

  it('tags: printable, no `,` or `/`, valid UTF-8', () => {
    expect(errorsOf('consumers', { username: 'u', tags: ['ok tag', 'a,b', 'a/b', 'nl\n', 'ü'] })).toEqual({
      tags: {
        2: "invalid tag 'a,b': expected printable ascii (except `,` and `/`) or valid utf-8 sequences",
        3: "invalid tag 'a/b': expected printable ascii (except `,` and `/`) or valid utf-8 sequences",
        4: "invalid tag 'nl\n': expected printable ascii (except `,` and `/`) or valid utf-8 sequences",
      },
    });
  });

  it('route headers: Kong header names mapping to arrays of strings, never host', () => {
    expect(errorsOf('routes', { headers: { 'x-ok': ['a'], Host: ['h'], 'bad name': ['x'], 'x-obj': { a: 1 }, 'x-num': [1] } })).toEqual({
      headers: {
        Host: "cannot contain 'host' header, which must be specified in the 'hosts' attribute",
        'bad name': "bad header name 'bad name', allowed characters are A-Z, a-z, 0-9, '_', and '-'",
        'x-obj': 'expected an array',
        'x-num': 'expected a string',
      },
    });
  });
});

describe('shape caps on every value', () => {
  it('refuses a value nested 5000 levels deep in any field, without overflowing the stack', () => {
    for (const [entity, input] of [
      ['plugins', { name: 'key-auth', config: deep(5000) }],
      ['routes', { paths: ['/'], headers: { 'x-a': [deep(5000)] } }],
      ['upstreams', { name: 'up.test', healthchecks: deep(5000) }],
      ['services', { host: 'a.test', tags: [deep(5000)] }],
    ] as const) {
      const v = validateRow(entity, input);
      const [field, msg] = Object.entries(v.errors ?? {})[0]!;
      expect(Object.keys(input)).toContain(field);
      expect(String(msg)).toContain(`value nested too deeply (more than ${ENTITY_LIMITS.maxDepth} levels)`);
    }
    expect(() => JSON.stringify(deep(ENTITY_LIMITS.maxDepth))).not.toThrow();
  });

  it('refuses an entity larger than the size cap, and non-JSON values', () => {
    const big = validateRow('upstreams', { name: 'up.test', healthchecks: { active: { http_path: 'x'.repeat(ENTITY_LIMITS.maxBytes) } } });
    expect(big.errors).toEqual({ '@entity': [`value too large (more than ${ENTITY_LIMITS.maxBytes} bytes)`] });
    expect(validateRow('routes', { paths: ['/'], tags: Array.from({ length: 300_000 }, () => 't') }).errors).toEqual({ '@entity': [expect.stringMatching(/^value too large/)] });
    expect(validateRow('plugins', { name: 'x', config: { n: Infinity } }).errors).toEqual({ config: "expected a finite number at 'config.n'" });
    expect(validateRow('plugins', { name: 'x', config: { d: new Date() } }).errors).toEqual({ config: "expected a JSON object at 'config.d'" });
  });

  it('refuses prototype-sensitive keys at any level, and never writes to a prototype', () => {
    const polluted = JSON.parse('{"host":"a.test","__proto__":{"zzz":1},"tags":["t"]}') as Row;
    expect(validateRow('services', polluted).errors).toEqual({ '@entity': ["key '__proto__' is not allowed"] });
    const nested = JSON.parse('{"name":"x","config":{"a":{"constructor":{"prototype":{"zzz":1}}}}}') as Row;
    expect(validateRow('plugins', nested).errors).toEqual({ config: "key 'constructor' is not allowed at 'config.a.constructor'" });
    expect(({} as Row).zzz).toBeUndefined();
  });

  it('plainJson copies: -0 becomes 0, arrays stay dense, the input is untouched', () => {
    const input = { a: [-0, 'x', { b: null }] };
    const r = plainJson(input, ENTITY_LIMITS);
    expect(r).toEqual({ ok: true, value: { a: [0, 'x', { b: null }] } });
    expect(Object.is((r as { value: { a: number[] } }).value.a[0], 0)).toBe(true);
    expect(plainJson([1, , 3], ENTITY_LIMITS)).toEqual({ ok: false, path: ['2'], message: 'expected a JSON value' });
  });
});
