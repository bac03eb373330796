// An invalid enum value is reported once: rules that would judge the default standing in for it
// stay quiet, rules whose findings hold whatever the value is still report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConf } from '../../../src/conf/index.js';
import { lintConf } from '../../../src/lint/index.js';
import { generatePki } from '../../../src/pki/generate.js';

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lint-knock-on-'));
  for (const f of await generatePki({ intermediates: 0, cpHostnames: ['cp.example.com'], dpName: 'dp-1', keySpec: { type: 'ec', curve: 'P-256' }, days: 365, caDays: 3650, now: new Date(Date.now() - 60_000) })) {
    writeFileSync(join(dir, f.name), f.contents, { mode: f.secret ? 0o600 : 0o644 });
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lint = (flags: Record<string, string>) => lintConf(loadConf({ flags, env: {} })).map((f) => `${f.rule}: ${f.message}`);

describe('after an invalid enum value', () => {
  it('a pki data plane with cluster_mtls = pkii gets the enum error only, not shared-mode findings', () => {
    const dp = { role: 'data_plane', database: 'off', cluster_control_plane: 'cp.example.com:8005', cluster_cert: join(dir, 'dp.crt'), cluster_cert_key: join(dir, 'dp.key'), cluster_ca_cert: join(dir, 'ca.crt') };
    expect(lint({ ...dp, cluster_mtls: 'pki' })).toEqual([]);
    expect(lint({ ...dp, cluster_mtls: 'pkii' })).toEqual(["enum-value: cluster_mtls has an invalid value: 'pkii' (shared, pki)"]);
  });

  it('keeps the findings that hold for every value of the refused key', () => {
    const found = lint({ role: 'control_plane', database: 'postgres', admin_listen: 'off', cluster_mtls: 'pkii', cluster_cert: join(dir, 'cp.crt'), cluster_cert_key: join(dir, 'cp.key') });
    expect(found).toContain('control-plane-requirements: admin_listen must be specified when role = "control_plane"');
    // Only true if the value were pki, which it is not.
    expect(found.join('\n')).not.toContain('cluster_ca_cert must be specified');
  });

  it('an invalid role leaves only the role error and what every role shares', () => {
    const found = lint({ role: 'dataplane', database: 'off', cluster_cert: join(dir, 'dp.crt'), cluster_cert_key: join(dir, 'dp.key') });
    expect(found).toEqual(["enum-value: role has an invalid value: 'dataplane' (data_plane, control_plane, traditional)"]);
  });
});
