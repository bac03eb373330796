// Kong's own vectors (spec/01-unit/19-hybrid/02-clustering_spec.lua) plus the rules they do not reach.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { calculateHash, compareUtf8, configHash, EMPTY_CONFIG_HASH } from '../../../src/cluster/protocol/hash.js';
import { formatLuaNumber } from '../../../src/cluster/protocol/lua-number.js';

const md5 = (s: string | Buffer) => createHash('md5').update(s).digest('hex');
const EMPTY_TABLE = '99914b932bd37a50b983c5e7c90ae93b';

describe('Kong test vectors', () => {
  it.each([
    ['nil', undefined, EMPTY_CONFIG_HASH],
    ['null', null, '5bf07a8b7343015026657d1108d8206e'],
    ['number', 10, 'd3d9446802a44259755d38e6d163e820'],
    ['double', 0.9, 'a894124cc6d5c5c71afe060d5dde0762'],
    ['empty string', '', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['string', 'hello', '5d41402abc4b2a76b9719d911017c592'],
    ['false', false, '68934a3e9455fa72420237eb05902327'],
    ['true', true, 'b326b5062b2f0e69046810717534cb09'],
  ])('%s', (_name, value, hash) => {
    expect(configHash(value).config_hash).toBe(hash);
  });

  it('rejects values that are not JSON', () => {
    expect(() => configHash({ f: () => 1 })).toThrow(/cannot hash/);
    expect(() => configHash({ s: Symbol('x') })).toThrow(/cannot hash/);
  });

  it('empty table: every family absent', () => {
    const r = configHash({});
    expect(r.config_hash).toBe('2da3c26e4dbd6dd6ea3ab60a3dd7fb3e');
    expect(r.hashes).toEqual({
      config: '2da3c26e4dbd6dd6ea3ab60a3dd7fb3e',
      routes: EMPTY_CONFIG_HASH, services: EMPTY_CONFIG_HASH, plugins: EMPTY_CONFIG_HASH, upstreams: EMPTY_CONFIG_HASH, targets: EMPTY_CONFIG_HASH,
    });
  });

  it('granular hashes for present, empty families', () => {
    expect(configHash({ routes: [], services: [], plugins: [] })).toEqual({
      config_hash: '81aac97a81ad03c0cf0b36663806488e',
      hashes: { config: '81aac97a81ad03c0cf0b36663806488e', routes: EMPTY_TABLE, services: EMPTY_TABLE, plugins: EMPTY_TABLE, upstreams: EMPTY_CONFIG_HASH, targets: EMPTY_CONFIG_HASH },
    });
    expect(configHash({ upstreams: [], targets: [] })).toEqual({
      config_hash: '4d60dd9998ea4314039da5ca2f1db96f',
      hashes: { config: '4d60dd9998ea4314039da5ca2f1db96f', routes: EMPTY_CONFIG_HASH, services: EMPTY_CONFIG_HASH, plugins: EMPTY_CONFIG_HASH, upstreams: EMPTY_TABLE, targets: EMPTY_TABLE },
    });
  });

  it('complex table (arrays of 0–6 elements, nested maps, 1000 consumers)', () => {
    const six = ['v1', 'v2', 'v3', 'v4', 'v5', 'v6'];
    const value = {
      plugins: [
        { name: '0', config: { param: 'value' } },
        { name: '1', config: { param: six } },
        { name: '2', config: { param: six.slice(0, 5) } },
        { name: '3', config: { param: six.slice(0, 4) } },
        { name: '4', config: { param: six.slice(0, 3) } },
        { name: '5', config: { param: six.slice(0, 2) } },
        { name: '6', config: { param: six.slice(0, 1) } },
        { name: '7', config: { param: [] } },
        { name: '8', config: { param: 'value', array: six } },
        { name: '9', config: { bool1: true, bool2: false, number: 1, double: 1.1, empty: {}, null: null, string: 'test', hash: { k: 'v' }, array: six } },
      ],
      consumers: Array.from({ length: 1000 }, (_, i) => ({ username: `user-${i + 1}` })),
    };
    expect(configHash(value).config_hash).toBe('675ff4b6b1c8cefa5198284110786ad0');
  });
});

describe('serialisation rules', () => {
  it('arrays up to five use separators, longer ones terminators', () => {
    expect(calculateHash(['a', 'b'])).toBe(md5('a;b'));
    expect(calculateHash(['a', 'b', 'c', 'd', 'e'])).toBe(md5('a;b;c;d;e'));
    expect(calculateHash(['a', 'b', 'c', 'd', 'e', 'f'])).toBe(md5('a;b;c;d;e;f;'));
  });

  it('objects: keys in UTF-8 byte order, each entry terminated; null fields kept, undefined dropped', () => {
    expect(calculateHash({ b: 1, a: null, c: undefined })).toBe(md5('a:/null/;b:1;'));
    // U+FF5E sorts before U+1F600 in UTF-8 though not in UTF-16.
    expect(calculateHash({ '😀': 1, '～': 2 })).toBe(md5('～:2;😀:1;'));
  });

  it('compareUtf8 agrees with Buffer.compare on any strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
      expect(Math.sign(compareUtf8(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
    }));
  });

  it('a buffer past 1,000,000 bytes folds into its 16-byte MD5 before the next value', () => {
    const big = 'x'.repeat(1_000_001);
    const folded = createHash('md5').update(`${big};`).digest();
    // ["x…x", "y"]: after "x…x;" (1,000,002 bytes) the buffer folds, then "y" is appended.
    expect(calculateHash([big, 'y'])).toBe(md5(Buffer.concat([folded, Buffer.from('y')])));
  });

  it('numbers print as LuaJIT %.14g', () => {
    const cases: [number, string][] = [
      [10, '10'], [0.9, '0.9'], [1.1, '1.1'], [1e20, '1e+20'], [-3, '-3'], [0.0001, '0.0001'], [0.00001, '1e-05'],
      [123456789012345, '1.2345678901234e+14'], [123456789012355, '1.2345678901236e+14'], [12345678901234, '12345678901234'],
      [1 / 3, '0.33333333333333'], [2 ** 53, '9.007199254741e+15'], [1.5e-7, '1.5e-07'], [99999999999999.99, '1e+14'], [0, '0'],
    ];
    for (const [n, s] of cases) expect(formatLuaNumber(n), String(n)).toBe(s);
  });
});
