// hybridctl init dp: the "new data plane node" flow, offline: certificate, kong.conf, run command.
import { join, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { missingPortWarning, parseClusterAddress } from '../../conf/index.js';
import { dpNodeFiles } from '../../pki/dp-bundle.js';
import { writeFilesAtomically } from '../../util/atomic-write.js';
import type { Io } from '../io.js';
import { oneOf, outputFormat, validityDays } from '../options.js';
import { checkOutputDir, checkOutputPaths } from '../output-paths.js';
import { askInitDp } from '../prompts.js';

export interface InitDpFlags {
  cpAddress?: string;
  mode?: string;
  serverName?: string;
  caCert?: string;
  issuerCert?: string;
  issuerKey?: string;
  certFile?: string;
  keyFile?: string;
  clusterCert?: string;
  clusterKey?: string;
  dpName?: string;
  days?: string;
  outDir?: string;
  force?: boolean;
  output?: string;
}

export async function initDpAction(flags: InitDpFlags, io: Io): Promise<number> {
  const format = outputFormat(flags.output);
  if (!flags.cpAddress && io.interactive) Object.assign(flags, await askInitDp(flags));
  if (!flags.cpAddress) throw new UsageError('--cp-address is required: the control plane cluster address, e.g. cp.example.com:8005');
  const parsed = parseClusterAddress(flags.cpAddress);
  if (!parsed.ok) throw new UsageError(parsed.message, { hint: parsed.hint });
  if (!parsed.address.portGiven) io.err(`warning: ${missingPortWarning(parsed.address)}`);
  const cp = flags.cpAddress.trim();
  const mode = oneOf('--mode', flags.mode, ['shared', 'pki'] as const, 'pki');
  const dir = resolve(flags.outDir ?? 'kong-dp');
  checkOutputDir('--out-dir', dir);
  const days = validityDays('--days', flags.days, io.now()) ?? 365;
  const { files, keys } = await dpNodeFiles({
    mode,
    clusterCert: flags.clusterCert,
    clusterKey: flags.clusterKey,
    caCert: flags.caCert,
    issuerCert: flags.issuerCert,
    issuerKey: flags.issuerKey,
    certFile: flags.certFile,
    keyFile: flags.keyFile,
    dpName: flags.dpName ?? 'kong-dp',
    days,
    now: io.now(),
  });
  const conf = [
    '# kong.conf for a data plane node, written by hybridctl init dp',
    'role = data_plane',
    'database = off',
    `cluster_control_plane = ${cp}`,
    `cluster_mtls = ${mode}`,
    ...Object.entries(keys).map(([k, f]) => `${k} = ${join(dir, f)}`),
    ...(mode === 'pki' && flags.serverName ? [`cluster_server_name = ${flags.serverName}`] : []),
    `prefix = ${join(dir, 'prefix')}`,
    '',
  ].join('\n');
  const all = [...files, { name: 'kong.conf', contents: conf, secret: false }];
  checkOutputPaths(all.map((f) => ({ flag: '--out-dir', path: join(dir, f.name) })));
  writeFilesAtomically(all.map((f) => ({ path: join(dir, f.name), contents: f.contents, mode: f.secret ? 0o600 : 0o644 })), { force: flags.force });
  const run = `hybridctl dp run -c ${join(dir, 'kong.conf')}`;
  if (format === 'json') {
    io.out(JSON.stringify({ dir, mode, files: all.map((f) => join(dir, f.name)), conf: join(dir, 'kong.conf'), run }, null, 2));
  } else {
    io.out(`data plane node files written to ${dir}:`);
    for (const f of all) io.out(`  ${join(dir, f.name)}${f.secret ? io.color.dim('  (private key, 0600)') : ''}`);
    io.out(`check it:  hybridctl lint ${join(dir, 'kong.conf')}`);
    io.out(`start it:  ${run}`);
  }
  return 0;
}
