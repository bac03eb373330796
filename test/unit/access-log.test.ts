// The access log writer and nginx's escaping, without a daemon: lines a slow disk cannot take are
// counted and reported, never silently lost; every line either lands in the file or is counted.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccessLog } from '../../src/util/access-log.js';
import { escapeValue, timeLocal } from '../../src/util/access-line.js';
import { tempDir } from '../helpers/cli.js';

describe('escapeValue (nginx escape=default)', () => {
  it('returns plain values as they are and escapes quotes, backslashes, controls and non-ASCII', () => {
    expect(escapeValue('curl/8.0 (x)')).toBe('curl/8.0 (x)');
    expect(escapeValue('a"b\\c\td\u007fé')).toBe('a\\x22b\\x5Cc\\x09d\\x7F\\xE9');
    expect(escapeValue('')).toBe('-');
    expect(escapeValue(undefined)).toBe('-');
  });

  it("formats $time_local as nginx does", () => {
    expect(timeLocal(new Date(2026, 11, 2, 3, 4, 5))).toMatch(/^02\/Dec\/2026:03:04:05 [+-]\d{4}$/);
  });
});

describe('AccessLog', () => {
  it('drops what exceeds its buffer while a write is under way, reports the count, and accounts for every line', async () => {
    const file = join(tempDir(), 'logs', 'access.log');
    const warnings: Record<string, unknown>[] = [];
    const log = new AccessLog(file, (_msg, fields) => warnings.push(fields));
    const total = 200_000;
    const line = 'x'.repeat(99);
    for (let i = 0; i < total; i++) log.write(line);
    await log.close();
    const written = readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
    expect(log.dropped).toBeGreaterThan(0);
    expect(written + log.dropped).toBe(total);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ file, dropped_total: expect.any(Number) });
  });
});
