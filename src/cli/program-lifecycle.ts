// cp|dp reload, stop, health: the running daemon of a prefix, as Kong's reload, quit and health.
import { Command, Option } from 'commander';
import type { Runner } from './program.js';
import { withDocs } from './program-docs.js';

type Role = 'control_plane' | 'data_plane';

export function addLifecycleCommands(parent: Command, role: Role, run: Runner, globals: () => { color?: boolean; input?: boolean }): void {
  const word = role === 'control_plane' ? 'cp' : 'dp';
  const what = role === 'control_plane' ? 'control plane' : 'data plane';
  const prefixOption = () => new Option('-p, --prefix <dir>', 'prefix the daemon runs in (default KONG_PREFIX, /usr/local/kong, else $HOME/.hybridctl)');

  withDocs(
    parent
      .command('reload')
      .description(`reload the running ${what}: SIGHUP, which re-reads kong.conf and the certificates and applies what can change live`)
      .addOption(prefixOption()),
    {
      examples: [`hybridctl ${word} reload`, `hybridctl ${word} reload -p /usr/local/kong`],
      exitCodes: `
Exit codes:
  0  the signal was sent (the daemon's log says what was applied or refused)
  1  nothing runs in the prefix
  2  usage error`,
    },
  ).action(async (flags) => {
    const { reloadAction } = await import('./commands/daemon-control.js');
    await run((io) => reloadAction(role, flags, io), globals());
  });

  withDocs(
    parent
      .command('stop')
      .description(`stop the running ${what} gracefully: SIGQUIT, in-flight requests finish, forced after --timeout`)
      .addOption(prefixOption())
      .option('-t, --timeout <seconds>', 'how long the drain may take before the stop is forced (default 10)')
      .option('-w, --wait <seconds>', 'wait this long before starting the stop (default 0)'),
    {
      examples: [`hybridctl ${word} stop`, `hybridctl ${word} stop -p /usr/local/kong --timeout 30`],
      exitCodes: `
Exit codes:
  0  stopped (gracefully, or forcefully after --timeout)
  1  nothing runs in the prefix
  2  usage error`,
    },
  ).action(async (flags) => {
    const { stopAction } = await import('./commands/daemon-control.js');
    await run((io) => stopAction(role, flags, io), globals());
  });

  withDocs(
    parent
      .command('health')
      .description(`say whether a ${what} runs in the prefix`)
      .addOption(prefixOption())
      .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text')),
    {
      examples: [`hybridctl ${word} health`, `hybridctl ${word} health -p /usr/local/kong -o json`],
      exitCodes: `
Exit codes:
  0  running
  1  not running
  2  usage error`,
    },
  ).action(async (flags) => {
    const { healthAction } = await import('./commands/daemon-control.js');
    await run((io) => healthAction(role, flags, io), globals());
  });
}
