// hybridctl config control-planes add|list|use|remove: the named control planes file.
import { addContext, contextsPath, readContexts, removeContext, useContext, writeContexts } from '../../client/contexts.js';
import { UsageError } from '../../errors.js';
import type { Io } from '../io.js';
import { renderTable } from '../render/table.js';

export async function cpAddAction(name: string, flags: { address?: string; token?: string; overwrite?: boolean }, io: Io): Promise<number> {
  if (!flags.address) throw new UsageError('missing --address', { hint: `hybridctl config control-planes add ${name} --address http://cp.example.com:8001` });
  if (!/^https?:\/\/[^/]+/.test(flags.address)) throw new UsageError(`invalid value '${flags.address}' for --address; expected http:// or https:// and a host`);
  const path = contextsPath(io.env);
  const next = addContext(readContexts(path), { name, address: flags.address.replace(/\/+$/, ''), ...(flags.token ? { token: flags.token } : {}) }, Boolean(flags.overwrite));
  writeContexts(path, next);
  io.err(`added control plane ${name} (${flags.address})${next.current === name ? ', now current' : ''}`);
  return 0;
}

export async function cpListAction(flags: { output?: string }, io: Io): Promise<number> {
  const c = readContexts(contextsPath(io.env));
  // Tokens stay in the file: the list says whether one is set.
  const rows = c.control_planes.map((x) => ({ name: x.name, address: x.address, token: Boolean(x.token), current: x.name === c.current }));
  if (flags.output === 'json') io.out(JSON.stringify({ current: c.current, control_planes: rows }, null, 2));
  else io.out(renderTable(['current', 'name', 'address', 'token'], rows.map((r) => [r.current ? '*' : '', r.name, r.address, r.token ? 'set' : '-'])));
  return 0;
}

export async function cpUseAction(name: string, io: Io): Promise<number> {
  const path = contextsPath(io.env);
  writeContexts(path, useContext(readContexts(path), name));
  io.err(`switched to control plane ${name}`);
  return 0;
}

export async function cpRemoveAction(name: string, io: Io): Promise<number> {
  const path = contextsPath(io.env);
  writeContexts(path, removeContext(readContexts(path), name));
  io.err(`removed control plane ${name}`);
  return 0;
}
