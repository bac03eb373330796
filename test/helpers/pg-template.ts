// PostgreSQL's server programs, run as the postgres user when the tests run as root (initdb and
// postgres refuse root), and one initdb'd data directory per test run that every private cluster
// copies: `cp -a` takes ~0.1 s where initdb takes ~1.5 s. No vitest import: global-setup uses it.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Set by global-setup: the directory that holds this run's template (built on first use). */
export const PG_TEMPLATE_ENV = 'HYBRIDCTL_PG_TEMPLATE_DIR';
const SERVER_USER = 'postgres';

/** Where initdb, pg_ctl and postgres live: $PG_BIN, initdb on PATH, or the newest Debian major. */
export function pgBinDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'initdb'))) return dirname(realpathSync(join(dir, 'initdb')));
  }
  const base = '/usr/lib/postgresql';
  const majors = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))) : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('PostgreSQL server programs not found (no initdb on PATH or under /usr/lib/postgresql/*/bin); install postgresql or set PG_BIN');
  return join(base, newest, 'bin');
}

const isRoot = () => process.getuid?.() === 0;
let ids: { uid: number; gid: number } | undefined;

/** The postgres user's ids; only asked for when running as root. */
async function serverIds(): Promise<{ uid: number; gid: number }> {
  if (!ids) {
    const [uid, gid] = await Promise.all([run('id', ['-u', SERVER_USER]), run('id', ['-g', SERVER_USER])]);
    ids = { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  return ids;
}

/** Hands a directory we created to the server user (a no-op unless we are root). */
export async function ownForServer(path: string): Promise<void> {
  if (!isRoot()) return;
  const { uid, gid } = await serverIds();
  chownSync(path, uid, gid);
}

/** Runs one of PostgreSQL's programs (`initdb`, `pg_ctl`) as the server user; rejects with its output. */
export async function pgProgram(name: string, args: string[], cwd: string): Promise<string> {
  const bin = join(pgBinDir(), name);
  const [file, argv] = isRoot() ? ['runuser', ['-u', SERVER_USER, '--', bin, ...args]] : [bin, args];
  try {
    const r = await run(file, argv, { cwd, timeout: 60_000 });
    return r.stdout + r.stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${name} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`.trim());
  }
}

/**
 * A fresh cluster in `dataDir` (whose parent the server user owns). Passwords are checked on TCP
 * (scram-sha-256); the unix socket trusts local users, which is how the helper administers it.
 */
export async function initdb(dataDir: string): Promise<void> {
  const args = ['-D', dataDir, '-U', 'postgres', '--auth-host=scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync', '--no-instructions'];
  await pgProgram('initdb', args, dirname(dataDir));
}

/** For global-setup: an empty directory for the run's template, removed by the returned teardown. */
export function createTemplateRoot(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'hybridctl-pg-template-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The run's template data directory, built by the first test file that needs it. Files racing to
 * build it each initdb into their own directory and rename it into place; the loser drops its copy.
 * Null outside a run that set PG_TEMPLATE_ENV (the caller then runs initdb itself).
 */
export async function templateDataDir(): Promise<string | null> {
  const root = process.env[PG_TEMPLATE_ENV];
  if (!root || !existsSync(root)) return null;
  const data = join(root, 'data');
  if (existsSync(join(data, 'PG_VERSION'))) return data;
  await ownForServer(root);
  const build = join(root, `build-${process.pid}`);
  rmSync(build, { recursive: true, force: true });
  await initdb(build);
  try {
    renameSync(build, data);
  } catch {
    rmSync(build, { recursive: true, force: true });
  }
  return data;
}

/** Copies `from` (a stopped data directory) to `to`, keeping owners and the 0700 mode postgres wants. */
export async function copyDataDir(from: string, to: string): Promise<void> {
  await run('cp', ['-a', from, to]);
}
