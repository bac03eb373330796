// cp migrations bootstrap | up | status: the schema of the PostgreSQL database control planes share.
import { Command, Option } from 'commander';
import type { Runner } from './program.js';
import { withDocs } from './program-docs.js';

const confOptions = (cmd: Command) =>
  cmd
    .option('-c, --conf <file>', 'kong.conf to read the pg_* properties from (default /etc/kong/kong.conf, then /etc/kong.conf)')
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .helpOption('-h, --help', 'display help; any kong.conf property can also be given as --property-name VALUE (e.g. --pg-host)');

const MODES = {
  bootstrap: 'create the schema in an empty database and run every migration (safe to run from several nodes at once)',
  up: 'run the migrations a newer hybridctl brought',
  status: 'list executed and pending migrations',
} as const;

export function addMigrationCommands(cp: Command, run: Runner, globals: () => { color?: boolean; input?: boolean }): void {
  const parent = cp.command('migrations').description('the PostgreSQL schema for database = postgres (several control planes on one database)');
  for (const [mode, what] of Object.entries(MODES) as [keyof typeof MODES, string][]) {
    const cmd = confOptions(parent.command(mode).description(what));
    if (mode === 'status') cmd.addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'));
    withDocs(cmd, {
      examples: [`hybridctl cp migrations ${mode} -c /etc/kong/kong.conf`, `KONG_DATABASE=postgres KONG_PG_HOST=db.internal KONG_PG_PASSWORD=… hybridctl cp migrations ${mode}`],
      exitCodes: `
Exit codes:
  0  ${mode === 'status' ? 'the database is up to date' : 'done (or nothing to do)'}
  1  ${mode === 'status' ? 'the database needs bootstrap or migrations up' : mode === 'up' ? 'the database is not bootstrapped, or a migration failed' : 'a migration failed'}; the database cannot be reached
  2  configuration error`,
    }).action(async (flags, c: Command) => {
      const { migrationsAction } = await import('./commands/migrations.js');
      await run((io) => migrationsAction(mode, flags, c.args, io), globals());
    });
  }
}
