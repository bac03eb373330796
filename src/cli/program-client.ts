// The commands that talk to a running control plane's Admin API: dump, diff, apply, get, delete and
// inspect dataplanes. Each takes --cp (else HYBRIDCTL_CP, else Kong's default Admin API address).
import { Command, Option } from 'commander';
import { collect } from './options.js';
import { withDocs } from './program-docs.js';
import type { Runner } from './program.js';

const ENV = ['HYBRIDCTL_CP', 'HYBRIDCTL_CONFIG', 'HYBRIDCTL_DEBUG', 'NO_COLOR'];
const FILE_ENV = ['HYBRIDCTL_CP', 'HYBRIDCTL_CONFIG', 'DECK_*', 'HYBRIDCTL_DEBUG', 'NO_COLOR'];
const cpOption = () => new Option('--cp <url>', 'the Admin API of the control plane (default $HYBRIDCTL_CP, else the current named control plane, else http://127.0.0.1:8001)');
const tagOption = () => new Option('--select-tag <tag>', 'only entities with this tag (repeatable: all of them); others are left alone').argParser(collect);

const DIFF_EXIT = `
Exit codes:
  0  no differences
  1  the control plane differs from the file, or it cannot be reached
  2  usage error, or the file is unreadable or invalid (named: entity and field)`;

export function addClientCommands(program: Command, run: Runner, globals: () => { color?: boolean; input?: boolean }): void {
  withDocs(
    program
      .command('dump')
      .description("write the control plane's configuration as a decK file (_format_version 3.0, ids kept)")
      .addOption(cpOption())
      .addOption(tagOption())
      .addOption(new Option('-o, --output <format>', 'file format').choices(['yaml', 'json']).default('yaml'))
      .action(async (flags) => {
        const { dumpAction } = await import('./commands/client-sync.js');
        await run((io) => dumpAction(flags, io), globals());
      }),
    { examples: ['hybridctl dump > kong.yaml', 'hybridctl dump --cp http://cp.internal:8001 --select-tag billing -o json'], environment: ENV },
  );

  withDocs(
    program
      .command('diff')
      .description('show what apply would create, update and delete, field by field')
      .argument('<file>', 'a decK file (YAML or JSON)')
      .addOption(cpOption())
      .addOption(tagOption())
      .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
      .action(async (file: string, flags) => {
        const { diffAction } = await import('./commands/client-sync.js');
        await run((io) => diffAction(file, flags, io), globals());
      }),
    { examples: ['hybridctl diff kong.yaml', 'hybridctl diff kong.yaml -o json || echo "drift"'], exitCodes: DIFF_EXIT, environment: FILE_ENV },
  );

  withDocs(
    program
      .command('apply')
      .description('make the control plane match a decK file through the Admin API: parents first, deletes children first')
      .argument('<file>', 'a decK file (YAML or JSON)')
      .addOption(cpOption())
      .addOption(tagOption())
      .option('--dry-run', 'print the changes, write nothing')
      .option('--parallelism <n>', 'writes in flight at once within one dependency level (decK\'s flag; 1 to 1000)', '10')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
      .action(async (file: string, flags) => {
        const { applyAction } = await import('./commands/client-sync.js');
        await run((io) => applyAction(file, flags, io), globals());
      }),
    { examples: ['hybridctl apply kong.yaml', 'hybridctl apply billing.yaml --select-tag billing --dry-run', 'hybridctl apply kong.yaml --parallelism 1'], environment: FILE_ENV },
  );

  const ENTITIES = 'services, routes, upstreams, consumers, plugins, certificates, snis, ca_certificates; targets (with --upstream); key-auths, basic-auths, hmac-auths, jwts, acls (with --consumer)';
  const upstreamOption = () => new Option('--upstream <name|id>', 'the upstream the targets are under');
  const consumerOption = () => new Option('--consumer <name|id>', 'the consumer the credentials are under');
  withDocs(
    program
      .command('get')
      .description('list entities of one kind, or show one by name or id; secrets (keys, passwords) are shown as (redacted)')
      .argument('<entity>', ENTITIES)
      .argument('[name]', 'the name, username, target, group or id of one entity')
      .addOption(cpOption())
      .addOption(upstreamOption())
      .addOption(consumerOption())
      .option('--tag <tag>', 'only entities with this tag (repeatable: all of them)', collect)
      .addOption(new Option('-o, --output <format>', 'output format: wide adds columns').choices(['table', 'wide', 'json', 'yaml']).default('table'))
      .option('--show-secrets', 'with -o json|yaml: keys, passwords and private keys as the CP stores them (as in a dump)')
      .action(async (entity: string, name: string | undefined, flags) => {
        const { getAction } = await import('./commands/client-get.js');
        await run((io) => getAction(entity, name, flags, io), globals());
      }),
    {
      examples: [
        'hybridctl get services', 'hybridctl get route billing-invoices -o yaml', 'hybridctl get plugins --tag billing -o json',
        'hybridctl get targets --upstream ledger-pool -o wide', 'hybridctl get key-auths --consumer alice', 'hybridctl get jwt alice-issuer --consumer alice -o json --show-secrets',
      ],
      environment: ENV,
    },
  );

  withDocs(
    program
      .command('delete')
      .description('delete one entity by name or id')
      .argument('<entity>', ENTITIES)
      .argument('<name>', 'the name, username, target, group or id')
      .addOption(cpOption())
      .addOption(upstreamOption())
      .addOption(consumerOption())
      .action(async (entity: string, name: string, flags) => {
        const { deleteAction } = await import('./commands/client-get.js');
        await run((io) => deleteAction(entity, name, flags, io), globals());
      }),
    { examples: ['hybridctl delete route billing-invoices', 'hybridctl delete plugin 3f2c…', 'hybridctl delete target 10.0.0.7:8080 --upstream ledger-pool', 'hybridctl delete acl billing-admins --consumer alice'], environment: ENV },
  );

  const inspect = program.command('inspect').description('show what the control plane knows');
  withDocs(
    inspect
      .command('dataplanes')
      .description("the data planes connected to the control plane: version, sync status, whether each runs the CP's configuration")
      .addOption(cpOption())
      .addOption(new Option('-o, --output <format>', 'output format (with --watch, json is one line per change)').choices(['text', 'json']).default('text'))
      .option('-w, --watch', 'keep watching until Ctrl-C: redraw on a terminal, else print only what changed')
      .option('--interval <seconds>', 'with --watch, seconds between looks (default 2)')
      .action(async (flags) => {
        const { inspectDataPlanesAction } = await import('./commands/client-get.js');
        await run((io) => inspectDataPlanesAction(flags, io), globals());
      }),
    {
      examples: ['hybridctl inspect dataplanes', 'hybridctl inspect dataplanes --cp http://cp.internal:8001 -o json', 'hybridctl inspect dataplanes --watch --interval 5', 'hybridctl inspect dataplanes -w -o json >> fleet.ndjson'],
      exitCodes: `
Exit codes:
  0  every data plane runs the control plane's configuration
  1  one is behind or incompatible, or the control plane cannot be reached
  2  usage error
  130  --watch ended with Ctrl-C (SIGINT)`,
      environment: ENV,
    },
  );

  const cps = program.command('config').description('hybridctl settings').command('control-planes').description('named control planes: the Admin API the client commands use by default');
  const cfg = async () => import('./commands/client-config.js');
  const CFG_ENV = ['HYBRIDCTL_CONFIG', 'HYBRIDCTL_DEBUG', 'NO_COLOR'];
  withDocs(
    cps
      .command('add')
      .description('add a named control plane; the first one added becomes current')
      .argument('<name>', 'a name for it')
      .option('--address <url>', 'its Admin API, e.g. http://cp.example.com:8001')
      .option('--token <token>', 'sent as Kong-Admin-Token; stored in the 0600 file, never printed')
      .option('--overwrite', 'replace one of the same name')
      .action(async (name: string, flags) => run(async (io) => (await cfg()).cpAddAction(name, flags, io), globals())),
    { examples: ['hybridctl config control-planes add prod --address https://cp.example.com:8444'], environment: CFG_ENV },
  );
  withDocs(
    cps
      .command('list')
      .description('list the named control planes, the current one marked')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
      .action(async (flags) => run(async (io) => (await cfg()).cpListAction(flags, io), globals())),
    { examples: ['hybridctl config control-planes list'], environment: CFG_ENV },
  );
  withDocs(
    cps
      .command('use')
      .description('make a named control plane the current one')
      .argument('<name>', 'its name')
      .action(async (name: string) => run(async (io) => (await cfg()).cpUseAction(name, io), globals())),
    { examples: ['hybridctl config control-planes use prod'], environment: CFG_ENV },
  );
  withDocs(
    cps
      .command('remove')
      .description('forget a named control plane')
      .argument('<name>', 'its name')
      .action(async (name: string) => run(async (io) => (await cfg()).cpRemoveAction(name, io), globals())),
    { examples: ['hybridctl config control-planes remove staging'], environment: CFG_ENV },
  );
}
