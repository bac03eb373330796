// hybridctl dump, diff and apply: decK's file against a running CP's Admin API.
import { stringify } from 'yaml';
import { UsageError } from '../../errors.js';
import { AdminClient, dump } from '../../client/client.js';
import { contextsPath, currentContext, readContexts } from '../../client/contexts.js';
import { stateToFile } from '../../client/file.js';
import { loadDeckFile } from '../../client/load.js';
import { changesOf, planSync, summaryOf, type Change } from '../../client/plan.js';
import { checkNewCertificates, DEFAULT_PARALLELISM, sync } from '../../client/sync.js';
import { integerIn } from '../options.js';
import type { Io } from '../io.js';

export const DEFAULT_CP = 'http://127.0.0.1:8001';

/** --cp, else HYBRIDCTL_CP, else the current named control plane, else Kong's default admin_listen. */
export function adminClient(flag: string | undefined, io: Io): AdminClient {
  const given = flag ?? (io.env.HYBRIDCTL_CP || undefined);
  const ctx = given === undefined ? currentContext(readContexts(contextsPath(io.env))) : undefined;
  const raw = given ?? ctx?.address ?? DEFAULT_CP;
  const withScheme = /^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`invalid value '${raw}' for ${flag !== undefined ? '--cp' : 'HYBRIDCTL_CP'}; expected an Admin API URL such as ${DEFAULT_CP}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`invalid value '${raw}' for --cp; the Admin API is http:// or https://`);
  return new AdminClient(url.href.replace(/\/+$/, ''), ctx?.token);
}

interface Flags {
  cp?: string;
  selectTag?: string[];
  output?: string;
  dryRun?: boolean;
  parallelism?: string;
}

/** More sockets than this to one Admin API helps nothing and looks like a flood to a proxy in front of it. */
const MAX_PARALLELISM = 1000;

export async function dumpAction(flags: Flags, io: Io): Promise<number> {
  const client = adminClient(flags.cp, io);
  const tags = flags.selectTag ?? [];
  const file = stateToFile(await dump(client, { selectTags: tags }), tags);
  io.out(flags.output === 'json' ? JSON.stringify(file, null, 2) : stringify(file, { lineWidth: 0 }));
  return 0;
}

const show = (v: unknown) => (v === null || v === undefined ? 'null' : JSON.stringify(v));

function renderChanges(changes: Change[], io: Io, verb: 'diff' | 'apply'): string {
  const c = io.color;
  const paint = { create: c.green, update: c.yellow, delete: c.red };
  const lines = changes.flatMap((ch) => [
    `${paint[ch.op](ch.op.padEnd(6))} ${ch.entity} ${c.dim(ch.id)}`,
    ...Object.entries(ch.fields ?? {}).map(([k, v]) => `         ${k}: ${show(v.current)} → ${show(v.target)}`),
  ]);
  const s = summaryOf(changes);
  const tail = verb === 'apply' ? `applied: ${s.create} created, ${s.update} updated, ${s.delete} deleted` : `summary: ${s.create} to create, ${s.update} to update, ${s.delete} to delete`;
  return [...lines, changes.length ? tail : 'no differences'].join('\n');
}

export async function diffAction(path: string, flags: Flags, io: Io): Promise<number> {
  const client = adminClient(flags.cp, io);
  const plan = await planSync(client, path, loadDeckFile(path, io.env), flags.selectTag ?? []);
  const changes = changesOf(plan);
  if (flags.output === 'json') io.out(JSON.stringify({ file: path, select_tags: plan.selectTags, changes, summary: summaryOf(changes) }, null, 2));
  else io.out(renderChanges(changes, io, 'diff'));
  return changes.length ? 1 : 0;
}

export async function applyAction(path: string, flags: Flags, io: Io): Promise<number> {
  // Checked before anything is read or sent: a bad flag is a usage error, not a half-done apply.
  const parallelism = integerIn('--parallelism', flags.parallelism, 1, MAX_PARALLELISM) ?? DEFAULT_PARALLELISM;
  const client = adminClient(flags.cp, io);
  const plan = await planSync(client, path, loadDeckFile(path, io.env), flags.selectTag ?? [], parallelism);
  const changes = changesOf(plan);
  const json = flags.output === 'json';
  if (!flags.dryRun) {
    await checkNewCertificates(client, plan.events);
    // Each write is an idempotent PUT or DELETE by id: an interrupted apply, run again, converges.
    await sync(client, plan.events, plan.current, {
      parallelism,
      onEvent: (e, i) => {
        if (!json) io.err(`${io.color.dim(`[${i + 1}/${plan.events.length}]`)} ${e.op} ${changes[i]!.entity}`);
      },
    });
  }
  if (json) io.out(JSON.stringify({ file: path, select_tags: plan.selectTags, dry_run: Boolean(flags.dryRun), changes, summary: summaryOf(changes) }, null, 2));
  else if (flags.dryRun) io.out(renderChanges(changes, io, 'diff'));
  else io.out(changes.length ? renderChanges(changes, io, 'apply').split('\n').at(-1)! : 'no differences');
  return 0;
}
