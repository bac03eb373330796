// The cache writes its table record piece by piece; the pieces must be JSON.stringify's text
// exactly, since the checksum a load verifies is over that text (and records written before).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { jsonPieces } from '../../../src/cache/table-record.js';

describe('table record pieces', () => {
  it('join to exactly JSON.stringify of the table', () => {
    const value = fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.array(fc.oneof(fc.jsonValue(), fc.constant(undefined)), { maxLength: 5 }));
    fc.assert(fc.property(fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('1', '02', '_format_version', '__proto__x')), value), (table) => {
      expect([...jsonPieces(table)].join('')).toBe(JSON.stringify(table));
    }), { numRuns: 500 });
  });

  it('splits a large family into pieces of about a megabyte', () => {
    const routes = Array.from({ length: 20_000 }, (_, i) => ({ id: `r${i}`, paths: [`/é${i}`], tags: ['x'.repeat(100)] }));
    const table = { _format_version: '3.0', routes, services: [] };
    const pieces = [...jsonPieces(table)];
    expect(pieces.length).toBeGreaterThan(2);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan((1 << 20) + 1000);
    expect(pieces.join('')).toBe(JSON.stringify(table));
  });
});

describe('table record', () => {
  it('sizes its buffer from a sample and grows it when the sample was short', async () => {
    const { tableRecord } = await import('../../../src/cache/table-record.js');
    // The sampled rows are small, the rest large: the estimate falls short and the buffer grows.
    const routes = Array.from({ length: 3200 }, (_, i) => ({ id: `r${i}`, tags: i % 100 === 0 ? [] : ['y'.repeat(2000)] }));
    const table = { _format_version: '3.0', routes };
    const doc = JSON.parse(tableRecord('"hash":null,', table, null).toString('utf8')) as { config_table: unknown; sha256: string; hash: null };
    expect(doc.config_table).toEqual(table);
    expect(doc.hash).toBeNull();
  });
});
