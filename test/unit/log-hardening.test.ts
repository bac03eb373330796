// A peer controls much of what is logged: it must not forge lines, drive a terminal, or flood.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createLogger, escapeControls, cap, MAX_VALUE } from '../../src/log.js';

function capture(format: 'text' | 'json') {
  const lines: string[] = [];
  const log = createLogger({ format, now: () => new Date('2026-01-02T03:04:05Z'), write: (l) => lines.push(l) });
  return { log, lines };
}
// Anything that could end a line or start a terminal sequence.
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

describe('logger hardening', () => {
  it('escapes \\n, \\r, ESC, DEL and C1 in messages, field values and field names (text)', () => {
    const { log, lines } = capture('text');
    const forged = 'x\n2026-01-02T03:04:05.000Z [info] data plane connected\r\u001b[2J\u009b31m\u007f\u2028';
    log.child('clustering').warn(`ping from ${forged}`, { payload: forged, [`k\ney`]: 1, n: 3 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(RAW_CONTROL);
    expect(lines[0]).toContain('ping from x\\n2026-01-02T03:04:05.000Z [info] data plane connected\\r\\u001b[2J\\u009b31m\\u007f\\u2028');
    expect(lines[0]).toContain(' payload="x\\n2026');
    expect(lines[0]).toContain(' "k\\ney"=1 n=3');
  });

  it('keeps JSON lines valid single-line JSON with the same escaping', () => {
    const { log, lines } = capture('json');
    log.info('hello\u009b\nworld', { basic_info: { hostname: 'a\u001b]0;pwned\u0007', labels: ['\u2028'] } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'hello\u009b\nworld', basic_info: { hostname: 'a\u001b]0;pwned\u0007', labels: ['\u2028'] } });
  });

  it('caps an 8 MiB value to about 1 KiB with an elision marker, in both formats', () => {
    const huge = 'A'.repeat(8 * 1024 * 1024);
    for (const format of ['text', 'json'] as const) {
      const { log, lines } = capture(format);
      log.info('ping', { config_hash: huge, nested: { deep: huge } });
      expect(lines[0]!.length).toBeLessThan(4096);
      expect(lines[0]).toContain(`${'A'.repeat(MAX_VALUE)}…[+${huge.length - MAX_VALUE} chars]`);
      if (format === 'json') expect(typeof JSON.parse(lines[0]!).nested).toBe('string');
    }
  });

  it('never splits a surrogate pair when capping', () => {
    const s = `${'a'.repeat(MAX_VALUE - 1)}😀tail`;
    expect(cap(s)).toBe(`${'a'.repeat(MAX_VALUE - 1)}…[+6 chars]`);
    expect(escapeControls('a\tb\u0000')).toBe('a\\tb\\u0000');
  });

  it('redacts a secret even when its value is cut or its newlines escaped', () => {
    for (const format of ['text', 'json'] as const) {
      const { log, lines } = capture(format);
      const pem = `-----BEGIN PRIVATE KEY-----\n${'Q'.repeat(1500)}\n-----END PRIVATE KEY-----`;
      log.addSecret(pem);
      log.addSecret('hunter22');
      log.info('loaded', { note: pem, also: `x${'y'.repeat(1100)}hunter22`, list: [pem] });
      expect(lines[0]).not.toMatch(/QQQQ|hunter22/);
    }
  });

  it('whatever the fields, one line under PIPE_BUF with no raw control character', () => {
    const anyText = fc.string({ unit: 'binary', maxLength: 3000 });
    fc.assert(
      fc.property(fc.constantFrom('text' as const, 'json' as const), anyText, fc.dictionary(anyText, fc.oneof(anyText, fc.integer(), fc.array(anyText, { maxLength: 5 })), { maxKeys: 80 }), (format, msg, fields) => {
        const { log, lines } = capture(format);
        log.child('c').error(msg, fields);
        expect(lines).toHaveLength(1);
        expect(lines[0]).not.toMatch(RAW_CONTROL);
        expect(Buffer.byteLength(lines[0]!)).toBeLessThan(4096);
        if (format === 'json') expect(() => JSON.parse(lines[0]!)).not.toThrow();
      }),
      { numRuns: 150 },
    );
  });
});
