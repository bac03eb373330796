// The daemons (cp run, dp run) and doctor: any kong.conf property is also a flag, so these commands
// take the flags they name plus every `--kong-conf-key VALUE`.
import { Command, Option } from 'commander';
import type { Runner } from './program.js';
import { withDocs } from './program-docs.js';
import { addLifecycleCommands } from './program-lifecycle.js';
import { addMigrationCommands } from './program-migrations.js';
import { defaultOf, parseListeners } from '../conf/index.js';

/** Kong's default of a listener key as hybridctl serves it, e.g. `0.0.0.0:8000, 0.0.0.0:8443 ssl`. */
function listenDefault(key: string): string {
  const r = parseListeners(key, defaultOf(key) ?? null);
  return r.ok ? r.listeners.map((l) => `${l.ip}:${l.port}${l.ssl ? ' ssl' : ''}`).join(', ') : 'off';
}

/**
 * The kong.conf properties the README and operators use most, shown in --help and the man page as
 * flags of their own; every other property is still accepted as --property-name VALUE.
 */
const confOption = (key: string, value: string, what: string, extra = '') => new Option(`--${key.replace(/_/g, '-')} <${value}>`, `${what} (${key}${extra})`);
const featured = {
  mtls: () => confOption('cluster_mtls', 'mode', 'how the cluster connection is authenticated', ', default shared').choices(['shared', 'pki']),
  cert: () => confOption('cluster_cert', 'file', 'the cluster certificate'),
  certKey: () => confOption('cluster_cert_key', 'file', 'its private key'),
  caCert: () => confOption('cluster_ca_cert', 'file', 'pki: the CA the peer certificates chain to'),
  listen: (key: string, what: string) => confOption(key, 'addr', what, `, default ${listenDefault(key)}`),
};

const DAEMON_EXIT = `
Exit codes (daemons):
  0  stopped by SIGQUIT/SIGTERM/SIGINT after a graceful shutdown
  1  fatal runtime error, or another daemon already runs in the prefix
  2  configuration error (the findings are printed)`;

const common = (cmd: Command) =>
  cmd
    .option('-c, --conf <file>', 'kong.conf to read (default /etc/kong/kong.conf, then /etc/kong.conf)')
    .option('-p, --prefix <dir>', 'working directory (default /usr/local/kong, else $HOME/.hybridctl)')
    .addOption(new Option('--log-format <format>', 'log line format').choices(['text', 'json']).default('text'))
    .addOption(new Option('--log-level <level>', 'lowest level logged (default: kong.conf log_level, else info)').choices(['debug', 'info', 'warn', 'error']))
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .helpOption('-h, --help', 'display help; any kong.conf property can also be given as --property-name VALUE');

export function addDaemonCommands(program: Command, run: Runner, globals: () => { color?: boolean; input?: boolean }): void {
  const cp = program.command('cp').description('control plane daemon');
  withDocs(
    common(cp.command('run').description('run a control plane: Admin API, store and the cluster listener data planes sync from'))
      .addOption(featured.mtls())
      .addOption(featured.cert())
      .addOption(featured.certKey())
      .addOption(featured.caCert())
      .addOption(featured.listen('cluster_listen', 'where data planes connect'))
      .addOption(featured.listen('admin_listen', 'the Admin API (the first plain entry is served)'))
      .addOption(featured.listen('status_listen', 'the status API')),
    {
      examples: [
        'hybridctl cp run',
        'hybridctl cp run -c /etc/kong/kong.conf',
        'hybridctl cp run --cluster-mtls pki --cluster-cert pki/cp.crt --cluster-cert-key pki/cp.key --cluster-ca-cert pki/ca.crt',
      ],
      exitCodes: DAEMON_EXIT,
    },
  ).action(async (flags, cmd: Command) => {
    const { cpRunAction } = await import('./commands/daemon-run.js');
    await run((io) => cpRunAction(flags, cmd.args, io), globals());
  });
  addLifecycleCommands(cp, 'control_plane', run, globals);
  addMigrationCommands(cp, run, globals);

  const dp = program.command('dp').description('data plane daemon');
  withDocs(
    common(
      dp
        .command('run')
        .description('run a data plane: sync from the control plane and proxy traffic with its configuration')
        .option('--cp-address <host:port>', 'the control plane cluster address (cluster_control_plane)')
        .option('--ca-cert-file <file>', 'CA the control plane certificate chains to (cluster_ca_cert)')
        .option('--cert-file <file>', 'this node\'s cluster certificate (cluster_cert)')
        .option('--key-file <file>', 'its private key (cluster_cert_key)')
        .option('--server-name <name>', 'name expected in the CP certificate, pki mode (cluster_server_name)')
        .addOption(featured.mtls())
        .addOption(featured.listen('proxy_listen', 'where traffic is proxied'))
        .addOption(featured.listen('status_listen', 'the status API')),
    ),
    {
      examples: [
        'hybridctl dp run --cp-address cp.example.com:8005 --cert-file cluster.crt --key-file cluster.key',
        'hybridctl dp run --cp-address 10.0.0.5:8005 --cluster-mtls pki --ca-cert-file ca.crt --cert-file dp.crt --key-file dp.key --server-name cp.example.com',
        'hybridctl dp run -c kong-dp/kong.conf --proxy-listen 0.0.0.0:8080',
      ],
      exitCodes: DAEMON_EXIT,
      environment: ['KONG_*', 'HYBRIDCTL_SYSLOG_SOCKET', 'HYBRIDCTL_DEBUG', 'NO_COLOR', 'CI'],
    },
  ).action(async (flags, cmd: Command) => {
    const { dpRunAction } = await import('./commands/daemon-run.js');
    await run((io) => dpRunAction(flags, cmd.args, io), globals());
  });
  addLifecycleCommands(dp, 'data_plane', run, globals);

  withDocs(
    program
      .command('doctor')
      .description("walk a data plane's path to its control plane step by step and say what is broken")
      .option('-c, --conf <file>', 'the data plane kong.conf')
      .option('--cp-address <host:port>', 'the control plane cluster address (cluster_control_plane)')
      .option('--ca-cert-file <file>', 'CA the control plane certificate chains to (cluster_ca_cert)')
      .option('--cert-file <file>', 'the data plane cluster certificate (cluster_cert)')
      .option('--key-file <file>', 'its private key (cluster_cert_key)')
      .option('--server-name <name>', 'name expected in the CP certificate, pki mode (cluster_server_name)')
      .option('--timeout <seconds>', 'how long each network step may take (default 5)')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
      .allowUnknownOption(true)
      .allowExcessArguments(true),
    {
      examples: [
        'hybridctl doctor -c /etc/kong/kong.conf',
        'hybridctl doctor --cp-address cp.example.com:8005 --cluster-mtls pki --ca-cert-file ca.crt --cert-file dp.crt --key-file dp.key',
        'hybridctl doctor -c kong.conf --cluster-use-proxy on --proxy-server http://user:pass@proxy:3128 -o json',
      ],
      exitCodes: `
Exit codes:
  0  every step passed
  1  a step failed (the first broken step and its fix are printed)
  2  usage error or unreadable input`,
    },
  ).action(async (flags, cmd: Command) => {
    const { doctorAction } = await import('./commands/doctor.js');
    await run((io) => doctorAction(flags, cmd.args, io), globals());
  });
}
