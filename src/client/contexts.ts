// Named control planes (kumactl's `config control-planes`): a YAML file under $HYBRIDCTL_CONFIG, else
// $HOME/.hybridctl/config.yaml, written atomically and 0600 from its first byte because it may hold
// Admin API tokens. The commands that talk to a CP use the current one when --cp and HYBRIDCTL_CP
// are both absent.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { InputError, RefusedError } from '../errors.js';
import { writeFilesAtomically } from '../util/atomic-write.js';

export interface ControlPlaneContext {
  name: string;
  address: string;
  /** Sent as Kong-Admin-Token; never printed. */
  token?: string;
}

export interface Contexts {
  current: string | null;
  control_planes: ControlPlaneContext[];
}

export function contextsPath(env: NodeJS.ProcessEnv): string {
  return env.HYBRIDCTL_CONFIG || join(env.HOME ?? '/root', '.hybridctl', 'config.yaml');
}

export function readContexts(path: string): Contexts {
  if (!existsSync(path)) return { current: null, control_planes: [] };
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InputError(`${path}: not YAML: ${(err as Error).message.split('\n')[0]}`, { hint: 'fix or remove the file' });
  }
  const d = (doc ?? {}) as Partial<Contexts>;
  if (!Array.isArray(d.control_planes ?? [])) throw new InputError(`${path}: control_planes must be a list`);
  return { current: typeof d.current === 'string' ? d.current : null, control_planes: (d.control_planes ?? []).filter((c) => typeof c?.name === 'string' && typeof c.address === 'string') };
}

export function writeContexts(path: string, c: Contexts): void {
  writeFilesAtomically([{ path, contents: stringify(c), mode: 0o600 }], { force: true });
}

export function addContext(c: Contexts, cp: ControlPlaneContext, overwrite: boolean): Contexts {
  const exists = c.control_planes.some((x) => x.name === cp.name);
  if (exists && !overwrite) throw new RefusedError(`control plane '${cp.name}' already exists`, { hint: 'pass --overwrite to replace it' });
  // The first one added becomes current, as kumactl does.
  return { current: c.current ?? cp.name, control_planes: [...c.control_planes.filter((x) => x.name !== cp.name), cp] };
}

export function useContext(c: Contexts, name: string): Contexts {
  if (!c.control_planes.some((x) => x.name === name)) throw new RefusedError(`no control plane named '${name}'`, { hint: 'list them: hybridctl config control-planes list' });
  return { ...c, current: name };
}

export function removeContext(c: Contexts, name: string): Contexts {
  if (!c.control_planes.some((x) => x.name === name)) throw new RefusedError(`no control plane named '${name}'`, { hint: 'list them: hybridctl config control-planes list' });
  return { current: c.current === name ? null : c.current, control_planes: c.control_planes.filter((x) => x.name !== name) };
}

export const currentContext = (c: Contexts): ControlPlaneContext | undefined => c.control_planes.find((x) => x.name === c.current);
