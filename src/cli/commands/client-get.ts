// hybridctl get, delete and inspect dataplanes: one Admin API collection at a time, as kumactl lists.
import { stringify } from 'yaml';
import { RuntimeError } from '../../errors.js';
import { inspectDataPlanes, type DataPlaneReport } from '../../client/dataplanes.js';
import { deleteOne, getOne, list, redact, resourceOf } from '../../client/resources.js';
import type { Io } from '../io.js';
import { renderTable } from '../render/table.js';
import { adminClient } from './client-sync.js';
import { intervalOf, watchDataPlanes } from './client-watch.js';

type Row = Record<string, unknown>;

/** A table cell: lists joined, a foreign key by its id, absent as `-`. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (Array.isArray(v)) return v.length ? v.map(cell).join(',') : '-';
  if (typeof v === 'object') return String((v as Row).id ?? JSON.stringify(v));
  return String(v);
}

export async function getAction(entity: string, ref: string | undefined, flags: { cp?: string; tag?: string[]; output?: string }, io: Io): Promise<number> {
  const res = resourceOf(entity);
  const client = adminClient(flags.cp, io);
  let rows: Row[];
  if (ref !== undefined) {
    const row = await getOne(client, res, ref);
    if (!row) throw new RuntimeError(`${res.name} '${ref}' not found on the control plane at ${client.base}`, { hint: `list them: hybridctl get ${res.name}` });
    rows = [row];
  } else rows = await list(client, res, flags.tag ?? []);
  rows = rows.map(redact);
  const data = ref !== undefined ? rows[0] : rows;
  if (flags.output === 'json') io.out(JSON.stringify(data, null, 2));
  else if (flags.output === 'yaml') io.out(stringify(data, { lineWidth: 0 }));
  else io.out(renderTable(['id', ...res.columns], rows.map((r) => [String(r.id), ...res.columns.map((c) => cell(r[c]))])));
  return 0;
}

export async function deleteAction(entity: string, ref: string, flags: { cp?: string }, io: Io): Promise<number> {
  const res = resourceOf(entity);
  const client = adminClient(flags.cp, io);
  const row = await deleteOne(client, res, ref);
  if (!row) throw new RuntimeError(`${res.name} '${ref}' not found on the control plane at ${client.base}; nothing deleted`);
  io.out(`deleted ${res.name} ${String(row.name ?? row.username ?? row.id)} (${String(row.id)})`);
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
