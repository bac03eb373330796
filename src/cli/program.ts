// The command tree: flags, help, examples and exit codes. Also the source of completions and man pages.
import { Argument, Command, Option } from 'commander';
import { KONG_PROTOCOL_VERSION, VERSION } from '../version.js';
import { collect } from './options.js';
import { withDocs } from './program-docs.js';
import { addDaemonCommands } from './program-daemons.js';
import { addClientCommands } from './program-client.js';
import type { Io } from './io.js';

export type IoFactory = (opts: { color?: boolean; input?: boolean }) => Io;
/** Each action returns the exit code; main.ts owns process exit. */
export type Runner = (fn: (io: Io) => Promise<number>, opts: { color?: boolean; input?: boolean }) => Promise<void>;

export { EXIT_CODES_HELP, docsOf, type CommandDoc } from './program-docs.js';

const outputOption = () => new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text');

export function buildProgram(run: Runner): Command {
  const program = new Command('hybridctl')
    .description('Certificates, kong.conf linting and sync daemons for Kong-style hybrid deployments')
    .version(`hybridctl ${VERSION} (Kong hybrid protocol v1, presents as Kong ${KONG_PROTOCOL_VERSION})`, '-V, --version', 'print the version')
    .option('--no-color', 'disable colour (also NO_COLOR)')
    .option('--no-input', 'never prompt (also CI=true)')
    .showSuggestionAfterError(true)
    // Set before subcommands are added so they inherit it: main.ts maps parse errors to exit 2.
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });

  const globals = () => program.opts<{ color?: boolean; input?: boolean }>();

  withDocs(
    program
      .command('gen-cert')
      .description('generate a Kong-compatible shared cluster pair, or a CA → intermediates → CP/DP chain')
      .argument('[cert]', 'certificate path (shared mode; default ./cluster.crt)')
      .argument('[key]', 'private key path (shared mode; default ./cluster.key)')
      .addOption(new Option('--mode <mode>', 'cluster_mtls mode').choices(['shared', 'pki']))
      .option('-d, --days <n>', 'validity of the leaf certificates in days (shared 1095, pki 365)')
      .option('--force', 'overwrite existing files')
      .option('--out-dir <dir>', 'pki: directory for ca, intermediates, cp, dp and chain files')
      .option('--intermediates <n>', 'pki: intermediate CAs between root and leaves, 0..3 (default 1)')
      .option('--cp-hostname <name>', 'pki: a name or IP the CP is reached by; repeatable (default localhost)', collect)
      .option('--dp-name <name>', 'pki: common name of the DP certificate (default kong-dp)')
      .addOption(new Option('--key-type <type>', 'pki: key type (default ec)').choices(['ec', 'rsa', 'ed25519']))
      .addOption(new Option('--curve <curve>', 'pki: EC curve (default P-256)').choices(['P-256', 'P-384']))
      .addOption(new Option('--rsa-bits <bits>', 'pki: RSA key size (default 2048)').choices(['2048', '3072', '4096']))
      .option('--ca-days <n>', 'pki: validity of the CA certificates in days (default 3650)')
      .addOption(new Option('--profile <profile>', 'pki: issue one certificate from an existing CA').choices(['cp', 'dp', 'intermediate']))
      .option('--issuer-cert <file>', 'pki --profile: the issuing CA certificate (with its chain)')
      .option('--issuer-key <file>', 'pki --profile: the issuing CA private key')
      .option('--out-cert <file>', 'pki --profile: where to write the certificate bundle')
      .option('--out-key <file>', 'pki --profile: where to write the private key')
      .option('--path-len <n>', 'pki --profile intermediate: pathLenConstraint of the new CA')
      .addOption(outputOption())
      .action(async (cert: string | undefined, key: string | undefined, flags) => {
        const { genCertAction } = await import('./commands/gen-cert.js');
        await run((io) => genCertAction([cert, key].filter((x): x is string => x !== undefined), flags, io), globals());
      }),
    {
      examples: [
        'hybridctl gen-cert',
        'hybridctl gen-cert /etc/kong/cluster.crt /etc/kong/cluster.key --days 730',
        'hybridctl gen-cert --mode pki --out-dir ./pki --cp-hostname cp.example.com --cp-hostname 10.0.0.5',
        'hybridctl gen-cert --mode pki --profile dp --issuer-cert pki/intermediate-1.crt --issuer-key pki/intermediate-1.key --out-cert dp2.crt --out-key dp2.key --dp-name dp-2',
      ],
    },
  );

  withDocs(
    program
      .command('verify-chain')
      .description('check a certificate chain the way the other side of the cluster connection will')
      .option('--cert <file>', 'the presented certificate, optionally followed by its intermediates')
      .option('--chain <file>', 'more intermediate certificates')
      .option('--ca <file>', 'pki: the trust anchor(s), cluster_ca_cert; shared: the pinned cluster_cert')
      .option('--key <file>', 'check that this private key belongs to the certificate')
      .addOption(new Option('--role <role>', 'who presents the certificate').choices(['cp', 'dp']).default('dp'))
      .option('--server-name <name>', 'role cp: the name the DP connects with (cluster_server_name)')
      .addOption(new Option('--mode <mode>', 'cluster_mtls mode').choices(['pki', 'shared']).default('pki'))
      .option('--max-intermediates <n>', 'most intermediate CAs accepted between leaf and root', '3')
      .option('--at <time>', 'evaluate validity at this ISO 8601 instant instead of now')
      .addOption(outputOption())
      .action(async (flags) => {
        const { verifyChainAction } = await import('./commands/verify-chain.js');
        await run((io) => verifyChainAction(flags, io), globals());
      }),
    {
      examples: [
        'hybridctl verify-chain --cert pki/dp.crt --ca pki/ca.crt',
        'hybridctl verify-chain --cert pki/cp.crt --ca pki/ca.crt --role cp --server-name cp.example.com',
        'hybridctl verify-chain --mode shared --cert dp-cluster.crt --ca cp-cluster.crt -o json',
      ],
    },
  );

  withDocs(
    program
      .command('inspect-cert')
      .description('show subject, issuer, names, key usages, key type, validity and fingerprints of every certificate in a file')
      .argument('<file>', 'a PEM certificate or bundle')
      .addOption(outputOption())
      .action(async (file: string, flags) => {
        const { inspectCertAction } = await import('./commands/inspect-cert.js');
        await run((io) => inspectCertAction(file, flags, io), globals());
      }),
    { examples: ['hybridctl inspect-cert pki/dp.crt', 'hybridctl inspect-cert /etc/kong/cluster.crt -o json'] },
  );

  withDocs(
    program
      .command('lint')
      .description('check a kong.conf (with KONG_* overrides) as Kong reads it, plus the proxy, SNI and certificate mistakes Kong lets through')
      .argument('[file]', 'the kong.conf (default /etc/kong/kong.conf, then /etc/kong.conf)')
      .addOption(new Option('--role <role>', 'lint as this role, overriding role in the file').choices(['cp', 'dp']))
      .addOption(outputOption())
      .action(async (file: string | undefined, flags) => {
        const { lintAction } = await import('./commands/lint.js');
        await run((io) => lintAction(file, flags, io), globals());
      }),
    { examples: ['hybridctl lint /etc/kong/kong.conf', 'KONG_CLUSTER_USE_PROXY=on hybridctl lint kong.conf --role dp', 'hybridctl lint kong-dp/kong.conf -o json'] },
  );

  const init = program.command('init').description('prepare a new node');
  withDocs(
    init
      .command('dp')
      .description('prepare a data plane node: certificate, kong.conf and the command to start it')
      .option('--cp-address <host:port>', 'the control plane cluster address (cluster_control_plane)')
      .addOption(new Option('--mode <mode>', 'cluster_mtls mode (default pki)').choices(['pki', 'shared']))
      .option('--server-name <name>', 'pki: the name in the CP certificate, when not the address host (cluster_server_name)')
      .option('--ca-cert <file>', 'pki: the root CA the CP certificate chains to (cluster_ca_cert)')
      .option('--issuer-cert <file>', 'pki: the CA to issue the DP certificate from')
      .option('--issuer-key <file>', 'pki: its private key')
      .option('--cert-file <file>', 'pki: an existing DP certificate, instead of issuing one')
      .option('--key-file <file>', 'pki: its private key')
      .option('--cluster-cert <file>', "shared: the control plane's cluster certificate")
      .option('--cluster-key <file>', "shared: the control plane's cluster key")
      .option('--dp-name <name>', 'common name of the issued DP certificate (default kong-dp)')
      .option('--days <n>', 'validity of the issued DP certificate (default 365)')
      .option('--out-dir <dir>', 'where to write the node files (default ./kong-dp)')
      .option('--force', 'overwrite existing files')
      .addOption(outputOption())
      .action(async (flags) => {
        const { initDpAction } = await import('./commands/init-dp.js');
        await run((io) => initDpAction(flags, io), globals());
      }),
    {
      examples: [
        'hybridctl init dp --cp-address cp.example.com:8005 --ca-cert pki/ca.crt --issuer-cert pki/intermediate-1.crt --issuer-key pki/intermediate-1.key',
        'hybridctl init dp --mode shared --cp-address 10.0.0.5:8005 --cluster-cert cluster.crt --cluster-key cluster.key --out-dir /etc/kong',
      ],
    },
  );

  withDocs(
    program
      .command('demo')
      .description('start a PKI, a control plane and two data planes on this machine, sync a route and send traffic through it')
      .option('--keep', 'keep the generated files')
      .option('--dir <dir>', 'use this directory instead of a temporary one (implies --keep)')
      .option('--verbose', 'show the daemons\' logs')
      .action(async (flags) => {
        const { demoAction } = await import('./commands/demo.js');
        await run((io) => demoAction(flags, io), globals());
      }),
    { examples: ['hybridctl demo', 'hybridctl demo --keep', 'hybridctl demo --verbose'] },
  );

  addDaemonCommands(program, run, globals);
  addClientCommands(program, run, globals);

  withDocs(
    program
      .command('completion')
      .description('print the shell completion script for bash, zsh or fish')
      .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
      .action(async (shell: string) => {
        const { completionAction } = await import('./commands/completion.js');
        await run((io) => completionAction(shell, program, io), globals());
      }),
    {
      examples: [
        'hybridctl completion bash > /etc/bash_completion.d/hybridctl',
        'hybridctl completion zsh > "${fpath[1]}/_hybridctl"',
        'hybridctl completion fish > ~/.config/fish/completions/hybridctl.fish',
      ],
    },
  );

  withDocs(
    program
      .command('man')
      .description('print the manual page of hybridctl or of one of its commands (roff)')
      .argument('[command...]', 'the command, e.g. gen-cert')
      .option('--list', 'list the pages')
      .action(async (words: string[], flags) => {
        const { manAction } = await import('./commands/completion.js');
        await run((io) => manAction(words, flags, program, io), globals());
      }),
    { examples: ['hybridctl man gen-cert | man -l -', 'hybridctl man --list'] },
  );

  return program;
}
