// hybridctl doctor: the conf lint plus the network walk, from the data plane's point of view.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { daemonFindings } from '../../lint/index.js';
import { findingLine } from '../../conf/index.js';
import { runDoctor, type StepResult } from '../../doctor/index.js';
import { KONG_PROTOCOL_VERSION } from '../../version.js';
import { UsageError, errorMessage } from '../../errors.js';
import { dpSettings } from '../../daemon/settings.js';
import type { Io } from '../io.js';
import { outputFormat, positiveNumber } from '../options.js';
import { loadDaemonConf, type DaemonFlags } from './daemon-conf.js';
import { renderDoctor } from '../render/doctor.js';

export async function doctorAction(flags: DaemonFlags & { timeout?: string; output?: string }, rest: string[], io: Io): Promise<number> {
  const format = outputFormat(flags.output);
  const timeoutMs = (positiveNumber('--timeout', flags.timeout) ?? 5) * 1000;
  const loaded = loadDaemonConf('data_plane', flags, rest, io);
  const findings = daemonFindings(loaded, 'data_plane', io.now());
  const errors = findings.filter((f) => f.severity === 'error');
  const conf: StepResult = {
    id: 'conf',
    title: `configuration${loaded.path ? ` (${loaded.path})` : ''}`,
    ok: errors.length === 0,
    detail:
      errors.length === 0
        ? `no errors${findings.length ? `, ${findings.length} warning(s): ${findings.map((f) => f.rule).join(', ')}` : ''}`
        : errors.map((e) => findingLine(e, false)).join('; '),
    fix: errors[0] ? (errors[0].hint ?? (loaded.path ? `run hybridctl lint ${loaded.path} --role dp for every finding` : 'fix the values named above')) : undefined,
  };
  let settings;
  try {
    settings = dpSettings(loaded, { home: io.env.HOME ?? '/root', forDoctor: true });
  } catch (err) {
    if (err instanceof UsageError) throw err;
    // With configuration errors the settings failure is one of them: it is not reported twice.
    const step: StepResult = errors.length > 0
      ? { id: 'settings', title: 'data plane settings', ok: false, skipped: true, detail: 'not run: the configuration has errors' }
      : { id: 'settings', title: 'data plane settings', ok: false, detail: errorMessage(err), fix: 'fix the configuration above' };
    const report = { ok: false, controlPlane: loaded.conf.cluster_control_plane ?? '(unset)', mode: loaded.conf.cluster_mtls, steps: [conf, step] };
    io.out(format === 'json' ? JSON.stringify(report, null, 2) : renderDoctor(report, io.color));
    return 1;
  }
  const report = await runDoctor(
    {
      cpAddress: settings.cpAddress,
      mode: settings.mode,
      certPem: settings.certPem,
      keyPem: settings.keyPem,
      caPems: settings.caPems,
      serverName: settings.serverName,
      proxy: settings.forwardProxy,
      nodeId: randomUUID(),
      hostname: `${hostname()}-doctor`,
      version: KONG_PROTOCOL_VERSION,
      labels: settings.labels,
      plugins: [...settings.plugins.values()].map((m) => ({ name: m.name, version: m.version })),
      timeoutMs,
      now: io.now(),
    },
    [conf],
  );
  io.out(format === 'json' ? JSON.stringify(report, null, 2) : renderDoctor(report, io.color));
  return report.ok ? 0 : 1;
}
