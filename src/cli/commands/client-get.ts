// hybridctl get, delete and inspect dataplanes: one Admin API collection at a time, as kumactl lists.
import { stringify } from 'yaml';
import { RuntimeError, UsageError } from '../../errors.js';
import { inspectDataPlanes, type DataPlaneReport } from '../../client/dataplanes.js';
import { checkParent, deleteOne, getOne, list, redact, resourceOf, type NamedResource } from '../../client/resources.js';
import type { Io } from '../io.js';
import { renderTable } from '../render/table.js';
import { adminClient } from './client-sync.js';
import { intervalOf, watchDataPlanes } from './client-watch.js';

type Row = Record<string, unknown>;

/** A table cell: lists joined, a foreign key by its id, a timestamp as UTC time, absent as `-`. */
function cell(v: unknown, column: string): string {
  if (v === null || v === undefined) return '-';
  if ((column === 'created_at' || column === 'updated_at') && typeof v === 'number') return new Date(v * 1000).toISOString().replace('.000Z', 'Z');
  if (Array.isArray(v)) return v.length ? v.map((x) => cell(x, '')).join(',') : '-';
  if (typeof v === 'object') return String((v as Row).id ?? JSON.stringify(v));
  return String(v);
}

interface GetFlags {
  cp?: string;
  tag?: string[];
  output?: string;
  upstream?: string;
  consumer?: string;
  showSecrets?: boolean;
}

const TABLES = new Set(['table', 'wide']);

/** What an operator types to name the entity again, e.g. `route invoices` or `target 10.0.0.1:80 under upstream pool`. */
function described(res: NamedResource, ref: string, parentRef: string | undefined): string {
  return `${res.name} '${ref}'${res.parent ? ` under ${res.parent.noun} '${parentRef!}'` : ''}`;
}

export async function getAction(entity: string, ref: string | undefined, flags: GetFlags, io: Io): Promise<number> {
  const res = resourceOf(entity);
  const parentRef = checkParent(res, flags);
  const output = flags.output ?? 'table';
  if (flags.showSecrets && TABLES.has(output)) throw new UsageError('--show-secrets works with -o json or -o yaml; tables never show secrets', { hint: 'add -o yaml' });
  const client = adminClient(flags.cp, io);
  let rows: Row[];
  if (ref !== undefined) {
    const row = await getOne(client, res, ref, parentRef);
    const again = `hybridctl get ${res.name}${res.parent ? ` ${res.parent.flag} ${parentRef!}` : ''}`;
    if (!row) throw new RuntimeError(`${described(res, ref, parentRef)} not found on the control plane at ${client.base}`, { hint: `list them: ${again}` });
    rows = [row];
  } else rows = await list(client, res, flags.tag ?? [], parentRef);
  if (!flags.showSecrets) rows = rows.map((r) => redact(res, r));
  const data = ref !== undefined ? rows[0] : rows;
  if (output === 'json') io.out(JSON.stringify(data, null, 2));
  else if (output === 'yaml') io.out(stringify(data, { lineWidth: 0 }));
  else {
    const columns = output === 'wide' ? [...res.columns, ...res.wide] : res.columns;
    io.out(renderTable(['id', ...columns], rows.map((r) => [String(r.id), ...columns.map((c) => cell(r[c], c))])));
  }
  return 0;
}

export async function deleteAction(entity: string, ref: string, flags: { cp?: string; upstream?: string; consumer?: string }, io: Io): Promise<number> {
  const res = resourceOf(entity);
  const parentRef = checkParent(res, flags);
  const client = adminClient(flags.cp, io);
  const row = await deleteOne(client, res, ref, parentRef);
  if (!row) throw new RuntimeError(`${described(res, ref, parentRef)} not found on the control plane at ${client.base}; nothing deleted`);
  // Named by what is safe to print: a key-auth credential only by its id.
  const known = res.label ? row[res.label] : res.parent ? undefined : (row.name ?? row.username);
  const under = res.parent ? ` from ${res.parent.noun} ${parentRef!}` : '';
  io.out(`deleted ${res.name} ${known !== undefined && known !== null ? `${String(known)} ` : ''}(${String(row.id)})${under}`);
  return 0;
}

function ago(seconds: number): string {
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  return `${Math.floor(seconds / 3600)}h ago`;
}

function dataPlaneTable(report: DataPlaneReport, io: Io): string {
  const c = io.color;
  return renderTable(
    ['id', 'hostname', 'version', 'sync status', 'config', 'last seen'],
    report.data_planes.map((d) => [d.id, d.hostname, d.version, d.sync_status, d.in_sync ? c.green('in sync') : c.red('behind'), ago(d.last_seen_seconds_ago)]),
  );
}

const summaryOf = (report: DataPlaneReport) => `control plane configuration hash: ${report.control_plane_hash ?? '(none yet)'}; ${report.data_planes.length} data plane(s)`;

export async function inspectDataPlanesAction(flags: { cp?: string; output?: string; watch?: boolean; interval?: string }, io: Io): Promise<number> {
  intervalOf(flags.interval, flags.watch);
  if (flags.watch) return watchDataPlanes(flags, io, (r) => `${dataPlaneTable(r, io)}\n${summaryOf(r)}`);
  const report = await inspectDataPlanes(adminClient(flags.cp, io), io.now());
  if (flags.output === 'json') io.out(JSON.stringify(report, null, 2));
  else {
    io.out(dataPlaneTable(report, io));
    io.err(summaryOf(report));
  }
  return report.ok ? 0 : 1;
}
