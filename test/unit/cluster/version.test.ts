// Kong's spec/01-unit/19-hybrid/03-compat_spec.lua and 02-clustering_spec.lua cases, argument order (cp, dp).
import { describe, expect, it } from 'vitest';
import { checkConfigurationCompatibility, checkKongVersion, majorMinor, SYNC_STATUSES, versionNumber } from '../../../src/cluster/protocol/version.js';

describe('Kong version compatibility', () => {
  it.each([
    ['1.1.2', '1.1.2'],
    ['1.1.999', '1.1.2222'],
    ['1.2.0', '1.1.0'],
    ['1.9999.0', '1.1.33'],
    ['3.10.0', '3.10.0.0-enterprise-edition'],
  ])('cp %s accepts dp %s', (cp, dp) => {
    expect(checkKongVersion(cp, dp).ok).toBe(true);
  });

  it('notes a different (older) DP minor', () => {
    expect(checkKongVersion('3.10.0', '3.9.1')).toEqual({ ok: true, status: 'normal', note: 'data plane minor version 3.9.1 is different to control plane minor version 3.10.0' });
  });

  it.each([
    ['1.0.0', '2.0.0', 'data plane version 2.0.0 is incompatible with control plane version 1.0.0 (1.x.y are accepted)'],
    ['1.0.0', '1.1.0', 'data plane version 1.1.0 is incompatible with older control plane version 1.0.0'],
    ['3.10.0', '3.10', 'data plane version is incompatible with control plane version 3.10.0 (3.x.y are accepted)'],
    ['3.10.0', 'banana', 'data plane version is incompatible with control plane version 3.10.0 (3.x.y are accepted)'],
  ])('cp %s rejects dp %s', (cp, dp, message) => {
    expect(checkKongVersion(cp, dp)).toEqual({ ok: false, status: 'kong_version_incompatible', message });
  });

  it('parses MAJOR.MINOR.PATCH only', () => {
    expect(majorMinor('3.10.0-rc.1')).toEqual({ major: 3, minor: 10 });
    expect(majorMinor('3.10')).toBeNull();
    expect(majorMinor(3)).toBeNull();
  });

  it('numbers versions for down-conversion as Kong does', () => {
    expect(versionNumber('3.0.0')).toBe(3_000_000_000);
    expect(versionNumber('3.0.1')).toBe(3_000_001_000);
    expect(versionNumber('3.0.0.1')).toBe(3_000_000_001);
    expect(versionNumber('3.10.0.0')).toBe(3_010_000_000);
    expect(versionNumber('333.333.333.1')).toBe(333_333_333_001);
    expect(versionNumber('333.333.333.333')).toBe(333_333_333_333);
  });

  it('has Kong\'s six sync statuses', () => {
    expect([...SYNC_STATUSES].sort()).toEqual(['filter_set_incompatible', 'kong_version_incompatible', 'normal', 'plugin_set_incompatible', 'plugin_version_incompatible', 'unknown']);
  });
});

describe('configuration compatibility', () => {
  const cpPlugins = [{ name: 'key-auth', version: '3.10.0' }, { name: 'opentelemetry', version: '3.10.0' }, { name: 'acl', version: '3.10.0' }];

  it('ignores plugins the config does not use', () => {
    expect(checkConfigurationCompatibility({ cpPlugins, dpPlugins: [], configured: new Set() }).ok).toBe(true);
  });

  it('flags a configured plugin missing on the DP', () => {
    expect(checkConfigurationCompatibility({ cpPlugins, dpPlugins: [], configured: new Set(['key-auth']) })).toEqual({
      ok: false, status: 'plugin_set_incompatible', message: 'configured key-auth plugin 3.10.0 is missing from data plane',
    });
  });

  it('flags a newer DP minor or another major, accepts opentelemetry 0.1.x', () => {
    const r = checkConfigurationCompatibility({ cpPlugins, dpPlugins: [{ name: 'key-auth', version: '3.11.0' }], configured: new Set(['key-auth']) });
    expect(r).toEqual({ ok: false, status: 'plugin_version_incompatible', message: 'configured data plane key-auth plugin version 3.11.0 is different to control plane plugin version 3.10.0' });
    expect(checkConfigurationCompatibility({ cpPlugins, dpPlugins: [{ name: 'key-auth', version: '2.10.0' }], configured: new Set(['key-auth']) }).ok).toBe(false);
    expect(checkConfigurationCompatibility({ cpPlugins, dpPlugins: [{ name: 'key-auth', version: '3.9.0' }], configured: new Set(['key-auth']) }).ok).toBe(true);
    expect(checkConfigurationCompatibility({ cpPlugins, dpPlugins: [{ name: 'opentelemetry', version: '0.1.0' }], configured: new Set(['opentelemetry']) }).ok).toBe(true);
  });
});
