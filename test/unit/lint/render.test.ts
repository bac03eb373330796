// lint's text and JSON documents: grouping, colour only when asked, the contract's last line.
import { describe, expect, it } from 'vitest';
import { Chalk } from 'chalk';
import type { Finding } from '../../../src/conf/index.js';
import { renderLintJson, renderLintText } from '../../../src/cli/render/lint.js';

const findings: Finding[] = [
  { severity: 'warning', key: 'cluster_mtls', line: 3, rule: 'shared-mode-behind-proxy', message: 'w1', hint: 'h1' },
  { severity: 'error', key: 'cluster_use_proxy', line: 5, rule: 'proxy-server-required', message: 'e1' },
  { severity: 'error', key: 'proxy_server', line: null, rule: 'proxy-server-url', message: 'e2' },
];

describe('lint output', () => {
  it('groups errors before warnings, names the origin of lineless values, and says invalid', () => {
    const text = renderLintText('/etc/kong/kong.conf', findings, new Chalk({ level: 0 }), (k) => (k === 'proxy_server' ? 'KONG_PROXY_SERVER' : undefined));
    expect(text.split('\n')).toEqual([
      '2 errors:',
      '  ✗ /etc/kong/kong.conf:5 cluster_use_proxy: e1 [proxy-server-required]',
      '  ✗ proxy_server (KONG_PROXY_SERVER): e2 [proxy-server-url]',
      '1 warning:',
      '  ! /etc/kong/kong.conf:3 cluster_mtls: w1 [shared-mode-behind-proxy]',
      '      fix: h1',
      'configuration at /etc/kong/kong.conf is invalid: 2 errors',
    ]);
  });

  it('colours only when the terminal asks for it, and ends with the contract line when valid', () => {
    const warnings = findings.slice(0, 1);
    expect(renderLintText('k.conf', warnings, new Chalk({ level: 0 }))).not.toMatch(/\u001b\[/);
    const coloured = renderLintText('k.conf', warnings, new Chalk({ level: 1 }));
    expect(coloured).toMatch(/\u001b\[/);
    expect(coloured.replace(/\u001b\[\d+m/g, '').split('\n').at(-1)).toBe('configuration at k.conf is valid');
    expect(renderLintText('k.conf', [], new Chalk({ level: 0 }))).toBe('configuration at k.conf is valid');
  });

  it('JSON: one document with file, valid and findings in the contract\'s key order', () => {
    const doc = JSON.parse(renderLintJson('k.conf', findings));
    expect(Object.keys(doc)).toEqual(['file', 'valid', 'findings']);
    expect(doc.valid).toBe(false);
    expect(doc.findings[0]).toEqual({ severity: 'warning', key: 'cluster_mtls', line: 3, rule: 'shared-mode-behind-proxy', message: 'w1', hint: 'h1' });
    expect(Object.keys(doc.findings[2])).toEqual(['severity', 'key', 'line', 'rule', 'message']);
    expect(JSON.parse(renderLintJson('k.conf', findings.slice(0, 1))).valid).toBe(true);
  });
});
