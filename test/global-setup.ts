// Builds the CLI bundle once so integration tests run what ships.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs', 'esm'], { stdio: 'inherit' });
}
