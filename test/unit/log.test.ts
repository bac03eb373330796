import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';

function capture(opts: Parameters<typeof createLogger>[0] = {}) {
  const lines: string[] = [];
  const log = createLogger({ now: () => new Date('2026-01-02T03:04:05Z'), ...opts, write: (l) => lines.push(l) });
  return { log, lines };
}

describe('logger', () => {
  it('writes text lines with level, component prefixes and fields', () => {
    const { log, lines } = capture();
    log.child('clustering', { dp: 'dp-1' }).info('data plane connected', { ip: '127.0.0.1', version: '3.10.0' });
    expect(lines).toEqual(['2026-01-02T03:04:05.000Z [info] [clustering] data plane connected dp=dp-1 ip=127.0.0.1 version=3.10.0']);
  });

  it('writes one JSON document per line', () => {
    const { log, lines } = capture({ format: 'json' });
    log.child('admin').warn('slow', { ms: 12 });
    expect(JSON.parse(lines[0]!)).toEqual({ time: '2026-01-02T03:04:05.000Z', level: 'warn', component: 'admin', msg: 'slow', ms: 12 });
  });

  it('drops lines below the level', () => {
    const { log, lines } = capture({ level: 'warn' });
    log.info('no');
    log.debug('no');
    log.error('yes');
    expect(lines).toHaveLength(1);
  });

  it('redacts sensitive fields by name and registered secrets wherever they appear', () => {
    for (const format of ['text', 'json'] as const) {
      const { log, lines } = capture({ format });
      log.addSecret('s3cret-pass');
      log.info('using proxy http://user:s3cret-pass@proxy:3128', { proxy_server: 'http://u:p@x', pg_password: 'hunter2', cluster_cert_key: '-----BEGIN', note: 'contains s3cret-pass too' });
      const out = lines.join('\n');
      expect(out).not.toMatch(/s3cret-pass|hunter2|BEGIN|u:p@x/);
      expect(out.match(/\*{6}/g)!.length).toBeGreaterThanOrEqual(5);
    }
  });
});
