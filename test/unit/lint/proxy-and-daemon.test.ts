// Kong's proxy_server checks in its order, the credential encoding check, what the daemons accept,
// and the parser and lint under random bytes.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadConf, parseConfText } from '../../../src/conf/index.js';
import { ConfigError } from '../../../src/errors.js';
import { assertDaemonConf, daemonFindings, lintConf } from '../../../src/lint/index.js';
import { credentialProblem } from '../../../src/lint/rules/proxy-credentials.js';
import { streamListenError } from '../../../src/lint/rules/kong-values.js';
import { tempDir } from '../../helpers/cli.js';

const DP = { KONG_ROLE: 'data_plane', KONG_DATABASE: 'off', KONG_CLUSTER_USE_PROXY: 'on' };
const proxyFindings = (url: string) => lintConf(loadConf({ env: { ...DP, KONG_PROXY_SERVER: url } })).filter((f) => f.key === 'proxy_server' && f.severity === 'error');

describe('proxy_server, as Kong checks it', () => {
  it.each([
    ['//proxy.internal:3128', 'proxy_server missing scheme'],
    // LuaSocket reads what comes before the first colon as the scheme.
    ['proxy.internal:3128', 'proxy_server only supports "http" and "https", got proxy.internal'],
    ['socks5://proxy.internal:1080', 'proxy_server only supports "http" and "https", got socks5'],
    ['http://', 'proxy_server missing host'],
    ['http://:3128', 'proxy_server missing host'],
    ['http://proxy.internal:3128/?x=1', 'fragments, query strings or parameters are meaningless in proxy configuration'],
    ['http://user:password#@localhost:2333', 'fragments, query strings or parameters are meaningless in proxy configuration'],
    ['http://proxy.internal:3128/;type=a', 'fragments, query strings or parameters are meaningless in proxy configuration'],
  ])('%s → %s', (url, message) => {
    expect(proxyFindings(url).map((f) => f.message)).toContain(message);
  });

  it.each(['http://user:password%23@localhost:2333', 'http://user:pass@localhost:2333/', 'https://proxy.internal', 'http://[::1]:3128'])('%s is accepted', (url) => {
    expect(proxyFindings(url)).toEqual([]);
  });

  it('names unencoded characters in credentials, never the credentials', () => {
    expect(credentialProblem('http://u:p@ss@h:1')).toBe("'@'");
    expect(credentialProblem('http://u:p/ss@h:1')).toBe("'/'");
    expect(credentialProblem('http://u:100%@h:1')).toMatch(/^'%'/);
    expect(credentialProblem('http://u:p%40ss@h:1')).toBeNull();
    expect(credentialProblem('http://h:1/path@x')).toBe("'/'");
    expect(credentialProblem('http://h:1')).toBeNull();
    const f = proxyFindings('http://hybrid:Tops3cret@@proxy:3128');
    expect(f.map((x) => x.rule)).toEqual(['proxy-credentials-encoding']);
    expect(JSON.stringify(f)).not.toContain('Tops3cret');
  });
});

describe('stream_listen, with Kong\'s stream flags', () => {
  it.each([
    ['0.0.0.0:5555 udp', null],
    ['off', null],
    ['127.0.0.1:5556 ssl reuseport backlog=10, [::1]:5557 udp', null],
    ['0.0.0.0:5555 http2', 'form'],
    ['0.0.0.0:5555 deferred', 'form'],
    ['0.0.0.0 udp', 'form'],
  ])('%s', (value, want) => {
    const r = streamListenError('stream_listen', value);
    if (want === null) expect(r).toBeNull();
    else expect(r).toMatch(/^stream_listen must be of form: \[off\] \| <ip>:<port> \[udp\] \[ssl\] \[proxy_protocol\]/);
  });
});

describe('what the daemons accept', () => {
  it('a DP needs no database line (hybridctl runs it database-less), but lint still reports it as Kong would', () => {
    const env = { KONG_ROLE: 'data_plane', KONG_CLUSTER_CONTROL_PLANE: '10.0.0.5:8005', KONG_CLUSTER_CERT: '/nonexistent.crt', KONG_CLUSTER_CERT_KEY: '/nonexistent.key' };
    const loaded = loadConf({ env });
    expect(lintConf(loaded).map((f) => f.message)).toContain('only in-memory storage can be used when role = "data_plane"');
    expect(daemonFindings(loaded, 'data_plane').map((f) => f.rule)).not.toContain('data-plane-requirements');
    const explicit = loadConf({ env: { ...env, KONG_DATABASE: 'postgres' } });
    expect(daemonFindings(explicit, 'data_plane').map((f) => f.message)).toContain('only in-memory storage can be used when role = "data_plane"');
  });

  it('a CP with database = off is refused, with one detail line per error', () => {
    const loaded = loadConf({ env: { KONG_ROLE: 'control_plane', KONG_DATABASE: 'off', KONG_CLUSTER_USE_PROXY: 'on' } });
    let err: unknown;
    try {
      assertDaemonConf(loaded, 'control_plane');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).details).toEqual([
      // The key is named once: Kong's sentence already starts with it.
      'cluster_use_proxy can not be used when role = "control_plane"',
      'database: in-memory storage can not be used when role = "control_plane"',
    ]);
  });

  it('a CP without a cluster pair starts (hybridctl generates one); a DP without one does not', () => {
    expect(assertDaemonConf(loadConf({ env: { KONG_ROLE: 'control_plane' } }), 'control_plane').role).toBe('control_plane');
    expect(() => assertDaemonConf(loadConf({ env: { KONG_ROLE: 'data_plane', KONG_DATABASE: 'off' } }), 'data_plane')).toThrow(ConfigError);
  });
});

describe('the parser and lint under random input', () => {
  const file = (dir: string, data: string | Uint8Array) => {
    const f = join(dir, 'kong.conf');
    writeFileSync(f, data);
    return f;
  };

  it('never throw on random bytes, random lines of kong.conf-ish text, huge lines or deep \\# runs', () => {
    const dir = tempDir();
    const line = fc.oneof(
      fc.constantFrom('role', 'database', 'cluster_mtls', 'proxy_server', 'cluster_listen', 'cluster_dp_labels', 'cluster_cert', 'node_id', 'stream_listen', 'x').chain((k) =>
        fc.tuple(fc.constant(k), fc.constantFrom(' = ', '=', ' =', ''), fc.string({ unit: fc.constantFrom('a', ':', '@', '#', '\\', ' ', ',', '[', ']', '1', '/', '%', 'off', 'on', '\n') , maxLength: 40 })).map((t) => t.join('')),
      ),
      fc.string({ maxLength: 80 }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 3000 }), fc.array(line, { maxLength: 30 }).map((l) => l.join('\n'))), (data) => {
        const loaded = loadConf({ file: file(dir, data) });
        const findings = lintConf(loaded);
        for (const f of findings) expect(['error', 'warning']).toContain(f.severity);
      }),
      { numRuns: 150 },
    );
    const deep = `pg_password = ${'\\#'.repeat(100_000)}\\\n${'x'.repeat(1_000_000)} = y\n${'\\'.repeat(50_000)}#\n`;
    const p = parseConfText(deep);
    expect(p.entries.get('pg_password')!.value).toBe(`${'#'.repeat(100_000)}\\`);
    expect(() => lintConf(loadConf({ file: file(dir, deep) }))).not.toThrow();
  });
});
