// A real terminal for tests that type at hybridctl: one tmux server per test file, one window `w`.
import { execFileSync } from 'node:child_process';

export function tmuxDriver(name: string) {
  const socket = `hybridctl-${name}-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  const screen = () => tmux('capture-pane', '-p', '-t', 'w');
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** The screen once it matches, or an error showing it. */
  async function waitFor(what: RegExp, ms = 15_000): Promise<string> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const s = screen();
      if (what.test(s)) return s;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}; screen:\n${screen()}`);
  }
  return { tmux, screen, sleep, waitFor };
}
