// What a reload applies and what it names as needing a restart.
import { describe, expect, it } from 'vitest';
import { loadConf } from '../../../src/conf/index.js';
import { createLogger } from '../../../src/log.js';
import { changedKeys, reload } from '../../../src/daemon/reload.js';

const conf = (flags: Record<string, string>) => loadConf({ file: null, env: {}, flags: { role: 'data_plane', ...flags }, role: 'data_plane' });

function logger() {
  const lines: { level: string; msg: string }[] = [];
  const log = createLogger({ format: 'json', write: (l) => lines.push(JSON.parse(l) as { level: string; msg: string }) });
  return { log, lines };
}

describe('reload', () => {
  it('lists exactly the properties whose value changed', () => {
    expect(changedKeys(conf({ proxy_listen: '127.0.0.1:8000' }), conf({ proxy_listen: '127.0.0.1:9000', log_level: 'debug' }))).toEqual(['log_level', 'proxy_listen']);
    expect(changedKeys(conf({}), conf({}))).toEqual([]);
  });

  it('applies, then names each changed property it cannot apply live, one line each', async () => {
    const { log, lines } = logger();
    const before = conf({ proxy_listen: '127.0.0.1:8000', cluster_cert: 'a.crt' });
    const after = conf({ proxy_listen: '127.0.0.1:9000', cluster_cert: 'b.crt', nginx_worker_processes: '4' });
    const applied: unknown[] = [];
    const now = await reload(before, { role: 'data_plane', log, load: () => after, settings: async (l) => l.conf.cluster_cert, apply: async (s) => void applied.push(s) });
    expect(now).toBe(after);
    expect(applied).toEqual(['b.crt']);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual(['nginx_worker_processes changed; restart to apply', 'proxy_listen changed; restart to apply']);
    expect(lines.at(-1)!.msg).toBe('configuration reloaded');
  });

  it('keeps the running configuration when loading, settings or applying fails, in one error line', async () => {
    const before = conf({});
    for (const fail of ['load', 'settings', 'apply'] as const) {
      const { log, lines } = logger();
      const boom = () => {
        throw new Error(`${fail} broke`);
      };
      const now = await reload(before, {
        role: 'data_plane',
        log,
        load: fail === 'load' ? boom : () => conf({ proxy_listen: '127.0.0.1:1' }),
        settings: fail === 'settings' ? async () => boom() : async () => 1,
        apply: fail === 'apply' ? async () => boom() : async () => undefined,
      });
      expect(now).toBe(before);
      expect(lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([`reload refused, the running configuration is kept: ${fail} broke`]);
      expect(lines.some((l) => l.msg.includes('restart to apply'))).toBe(false);
    }
  });
});
