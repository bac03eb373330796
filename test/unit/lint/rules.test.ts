// Every lint rule firing and not firing, on the fixture corpus and on certificates made by the
// project's own generator.
import { beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { loadConf, parseConfText, type Finding } from '../../../src/conf/index.js';
import { assertDaemonConf, lintConf, RULES } from '../../../src/lint/index.js';
import { generatePki, generateSharedPair } from '../../../src/pki/generate.js';
import { tempDir } from '../../helpers/cli.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const FIX = resolve(__dirname, '../../fixtures/conf');
const lintFile = (name: string, env: Record<string, string> = {}) => lintConf(loadConf({ file: join(FIX, name), env }));
const rules = (fs: Finding[]) => [...new Set(fs.map((f) => f.rule))].sort();
const msgs = (fs: Finding[]) => fs.map((f) => f.message);

let pki: string;
let shared: { cert: string; key: string };
beforeAll(async () => {
  pki = mkdtempSync(join(tmpdir(), 'lint-pki-'));
  for (const f of await generatePki({ intermediates: 1, cpHostnames: ['cp.example.com'], dpName: 'dp', keySpec: { type: 'ec', curve: 'P-256' }, days: 365, caDays: 3650, now: new Date(Date.now() - 60_000) })) {
    writeFileSync(join(pki, f.name), f.contents, { mode: f.secret ? 0o600 : 0o644 });
  }
  const pair = await generateSharedPair({ now: new Date(Date.now() - 60_000), days: 10 });
  writeFileSync(join(pki, 'shared.crt'), pair.certPem);
  writeFileSync(join(pki, 'shared.key'), pair.keyPem, { mode: 0o644 });
  chmodSync(join(pki, 'shared.key'), 0o644);
  shared = { cert: join(pki, 'shared.crt'), key: join(pki, 'shared.key') };
});

function conf(text: string): string {
  const f = join(tempDir(), 'kong.conf');
  writeFileSync(f, text);
  return f;
}
const dp = (extra: string) => `role = data_plane\ndatabase = off\ncluster_control_plane = cp.example.com:8005\ncluster_mtls = pki\ncluster_cert = ${pki}/dp.crt\ncluster_cert_key = ${pki}/dp.key\ncluster_ca_cert = ${pki}/ca.crt\n${extra}`;

describe('Kong\'s own rules, with Kong\'s wording', () => {
  it('forward proxy on without proxy_server', () => {
    const f = lintFile('dp-proxy-missing.conf');
    expect(f.find((x) => x.rule === 'proxy-server-required')).toMatchObject({ severity: 'error', key: 'cluster_use_proxy', line: 5, message: 'cluster_use_proxy is turned on but no proxy_server is configured' });
    expect(msgs(f)).toContain('cluster certificate and key must be provided to use Hybrid mode');
  });

  it('proxy_server with an unencoded # is a fragment, and the password never shows', () => {
    const f = lintFile('dp-proxy-bad-url.conf');
    expect(f.find((x) => x.rule === 'proxy-server-url')).toMatchObject({ line: 5, message: 'fragments, query strings or parameters are meaningless in proxy configuration' });
    expect(JSON.stringify(f)).not.toMatch(/pa#ss|pa\\\\#ss/);
  });

  it('control plane requirements, minimums, enum values and listener syntax, all reported', () => {
    const f = lintFile('cp-bad-values.conf');
    expect(msgs(f)).toEqual(
      expect.arrayContaining([
        'admin_listen must be specified when role = "control_plane"',
        'cluster_ca_cert must be specified when cluster_mtls = "pki"',
        'in-memory storage can not be used when role = "control_plane"',
        'cluster_use_proxy can not be used when role = "control_plane"',
        'cluster_dp_labels can not be used when role = "control_plane"',
        'cluster_max_payload must be 4194304 (4MB) or greater',
        'cluster_data_plane_purge_delay must be 60 or greater',
        "cluster_ocsp has an invalid value: 'maybe' (on, off, optional)",
      ]),
    );
    expect(f.find((x) => x.key === 'cluster_listen')!.message).toMatch(/^cluster_listen must be of form: \[off\] \| <ip>:<port>/);
    expect(f.find((x) => x.key === 'cluster_listen')!.line).toBe(5);
  });

  it('cluster_dp_labels: Kong\'s examples, valid and invalid', () => {
    const f = lintFile('dp-labels.conf').filter((x) => x.rule === 'dp-labels');
    expect(msgs(f)).toEqual([
      'label key validation failed: _must is invalid. Must match pattern: (?!kong)(?!konnect)(?!insomnia)(?!mesh)(?!kic)[a-z0-9]([\\w\\.:-]*[a-z0-9]|)$',
      'label key validation failed: kong_key is invalid. Must match pattern: (?!kong)(?!konnect)(?!insomnia)(?!mesh)(?!kic)[a-z0-9]([\\w\\.:-]*[a-z0-9]|)$',
      'label value validation failed:  must have between 1 and 63 characters',
    ]);
  });

  it('a traditional node with Kong-style values lints clean', () => {
    // Its pg_password is only worth a warning when the checkout left the file world-readable.
    expect(lintFile('traditional-ok.conf').filter((f) => f.rule !== 'pg-password-file-readable')).toEqual([]);
  });

  it("Kong's own kong.conf.default lints with zero findings", () => {
    expect(lintConf(loadConf({ file: resolve(__dirname, '../../fixtures/kong/kong.conf.default') }))).toEqual([]);
  });
});

describe('what Kong lets through', () => {
  it('shared mode behind a proxy, an unverified https proxy, no ports, and the _tls_ misspelling', () => {
    const f = lintFile('dp-shared-behind-proxy.conf');
    expect(rules(f)).toEqual(expect.arrayContaining(['shared-mode-behind-proxy', 'https-proxy-unverified', 'control-plane-port', 'proxy-server-tls-verify-typo']));
    expect(rules(f)).not.toContain('proxy-server-port'); // https on 443 is the natural default
    expect(f.find((x) => x.rule === 'proxy-server-tls-verify-typo')).toMatchObject({ severity: 'warning', line: 8, hint: 'use proxy_server_ssl_verify' });
    expect(JSON.stringify(f)).not.toContain('S3cretPassw0rd');
  });

  it('a correct pki data plane has no findings; each certificate mistake has its rule', () => {
    expect(lintConf(loadConf({ file: conf(dp('')) }))).toEqual([]);
    const swapped = lintConf(loadConf({ file: conf(dp('').replace('dp.crt', 'cp.crt')) }));
    expect(rules(swapped)).toEqual(['cert-key-mismatch', 'cluster-cert-eku']);
    const underIntermediate = lintConf(loadConf({ file: conf(dp('').replace(`${pki}/ca.crt`, `${pki}/intermediate-1.crt`)) }));
    expect(rules(underIntermediate)).toContain('ca-not-root');
    const foreignCa = lintConf(loadConf({ file: conf(dp('').replace(`cluster_ca_cert = ${pki}/ca.crt`, `cluster_ca_cert = ${shared.cert}`)) }));
    expect(rules(foreignCa)).toContain('dp-cert-not-under-ca');
    const viaProxy = lintConf(loadConf({ file: conf(dp('cluster_use_proxy = on\nproxy_server = http://proxy:3128\n')) }));
    expect(rules(viaProxy)).toEqual(['pki-proxy-without-server-name']);
  });

  it('expiring soon, key readable by others, unreadable files named with Kong\'s message', () => {
    const f = lintConf(loadConf({ file: conf(`role = data_plane\ndatabase = off\ncluster_control_plane = cp:8005\ncluster_cert = ${shared.cert}\ncluster_cert_key = ${shared.key}\n`) }));
    expect(rules(f)).toEqual(['cluster-cert-validity', 'key-file-permissions']);
    expect(f.find((x) => x.rule === 'cluster-cert-validity')!.severity).toBe('warning');
    const later = lintConf(loadConf({ file: conf(`role = data_plane\ndatabase = off\ncluster_control_plane = cp:8005\ncluster_cert = ${shared.cert}\ncluster_cert_key = ${shared.key}\n`) }), { now: new Date(Date.now() + 30 * 86_400_000) });
    expect(later.find((x) => x.rule === 'cluster-cert-validity')).toMatchObject({ severity: 'error' });
    const missing = lintConf(loadConf({ file: conf(`role = data_plane\ndatabase = off\ncluster_cert = /nope/dp.crt\ncluster_cert_key = /nope/dp.key\n`) }));
    expect(msgs(missing)).toEqual(expect.arrayContaining([expect.stringMatching(/^cluster_cert: failed loading certificate from \/nope\/dp\.crt/)]));
  });

  it('accepts certificate values inline and base64-encoded, as Kong does', () => {
    const cert = readFileSync(`${pki}/dp.crt`, 'utf8');
    const b64 = Buffer.from(cert).toString('base64');
    const inline = lintConf(loadConf({ file: conf(dp('').replace(`cluster_cert = ${pki}/dp.crt`, `cluster_cert = ${b64}`)) }));
    expect(inline).toEqual([]);
    const env = lintConf(loadConf({ file: conf(dp('')), env: { KONG_CLUSTER_CERT: cert } }));
    expect(env).toEqual([]);
  });

  it('env overrides are linted with line null', () => {
    const f = lintConf(loadConf({ file: conf(dp('')), env: { KONG_CLUSTER_USE_PROXY: 'on' } }));
    expect(f.find((x) => x.rule === 'proxy-server-required')).toMatchObject({ line: null, key: 'cluster_use_proxy' });
  });
});

describe('rules and daemons', () => {
  it('every rule is a small named object with an id, severity and keys', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of RULES) {
      expect(r.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(['error', 'warning']).toContain(r.severity);
      expect(r.keys.length).toBeGreaterThan(0);
    }
  });

  it('assertDaemonConf refuses errors with every finding listed, and lets the CP generate its pair', () => {
    expect(() => assertDaemonConf(loadConf({ file: join(FIX, 'dp-proxy-missing.conf') }), 'data_plane')).toThrow(/has 2 errors/);
    try {
      assertDaemonConf(loadConf({ file: join(FIX, 'dp-proxy-missing.conf') }), 'data_plane');
    } catch (err) {
      expect((err as { details: string[] }).details).toEqual(expect.arrayContaining([expect.stringMatching(/^cluster_use_proxy is turned on.* \(line 5\)/)]));
    }
    expect(assertDaemonConf(loadConf({ role: 'control_plane' }), 'control_plane').role).toBe('control_plane');
  });
});

describe('parser and lint under random input', () => {
  it('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (text) => {
        const p = parseConfText(text);
        expect(Array.isArray(p.problems)).toBe(true);
        lintConf(loadConf({ file: conf(text) }));
      }),
      { numRuns: 60 },
    );
    const deep = `pg_password = ${'\\#'.repeat(50_000)}\n${'x'.repeat(200_000)} = y\n`;
    const l = loadConf({ file: conf(deep) });
    expect(l.entries.get('pg_password')!.value).toBe('#'.repeat(50_000));
  });
});

describe('plugins', () => {
  it('a plugin hybridctl does not run is an error on its line; bundled and off are not', () => {
    const f = lintConf(loadConf({ file: conf(dp('plugins = bundled, oauth2\n')) }));
    expect(f.find((x) => x.rule === 'plugin-not-installed')).toMatchObject({ severity: 'error', key: 'plugins', line: 8, message: 'oauth2 plugin is enabled but not installed' });
    expect(rules(lintConf(loadConf({ file: conf(dp('plugins = bundled\n')) })))).not.toContain('plugin-not-installed');
    expect(rules(lintConf(loadConf({ file: conf(dp('plugins = off\n')) })))).not.toContain('plugin-not-installed');
  });

  it('JavaScript plugins in js_plugins_directory are installed, known by file name without running them', () => {
    const dir = resolve(__dirname, '../../../examples/js-plugins');
    const f = lintConf(loadConf({ file: conf(dp(`js_plugins_directory = ${dir}\nplugins = bundled, goodbye, hello\n`)) }));
    expect(f.filter((x) => x.rule === 'plugin-not-installed').map((x) => x.message)).toEqual(['hello plugin is enabled but not installed']);
    expect(f.filter((x) => x.rule === 'unknown-key')).toEqual([]);
  });

  it('off first switches every plugin off, which is worth a warning when others are listed', () => {
    const f = lintConf(loadConf({ file: conf(dp('plugins = off, key-auth\n')) }));
    expect(f.find((x) => x.rule === 'plugins-off-first')).toMatchObject({ severity: 'warning', message: 'plugins starts with off, so no plugin runs and key-auth is ignored' });
  });
});
