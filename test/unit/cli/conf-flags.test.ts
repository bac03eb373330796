import { describe, expect, it } from 'vitest';
import { confFlags } from '../../../src/cli/conf-flags.js';
import { isKnownKey, suggestKey } from '../../../src/conf/index.js';

const parse = (args: string[]) => confFlags(args, isKnownKey, suggestKey);

describe('--kong-conf-key VALUE on the daemons', () => {
  it('maps dashed flags to kong.conf properties, with = or a separate value', () => {
    expect(parse(['--cluster-listen', '127.0.0.1:9005', '--proxy-server=http://u:p@proxy:3128', '--nginx-worker-processes', '2'])).toEqual({
      cluster_listen: '127.0.0.1:9005',
      proxy_server: 'http://u:p@proxy:3128',
      nginx_worker_processes: '2',
    });
  });

  it('refuses unknown properties with a suggestion, and flags without a value', () => {
    expect(() => parse(['--cluster-contol-plane', 'x:1'])).toThrow(/unknown option '--cluster-contol-plane'.*did you mean --cluster-control-plane\?/);
    expect(() => parse(['--proxy-server-tls-verify', 'off'])).toThrow(/did you mean --proxy-server-ssl-verify\?/);
    expect(() => parse(['--cluster-listen'])).toThrow(/option '--cluster-listen' needs a value/);
    expect(() => parse(['--cluster-listen', '--admin-listen', 'x'])).toThrow(/needs a value/);
    expect(() => parse(['stray'])).toThrow(/unexpected argument 'stray'/);
  });
});
