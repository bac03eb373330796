// Builds the CLI bundle once so integration tests run what ships, and gives the run a directory
// for the PostgreSQL template data directory (filled by the first test file that starts a cluster).
import { execFileSync } from 'node:child_process';
import { createTemplateRoot, PG_TEMPLATE_ENV } from './helpers/pg-template.js';

export default function setup(): () => void {
  execFileSync(process.execPath, ['scripts/build.mjs', 'esm'], { stdio: 'inherit' });
  const template = createTemplateRoot();
  process.env[PG_TEMPLATE_ENV] = template.dir;
  return () => template.remove();
}
