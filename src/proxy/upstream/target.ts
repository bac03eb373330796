// Choosing where a request goes: a balancer peer when the service host names an upstream,
// otherwise the service host itself; and the Host header that goes with it.
import type { CompiledConfig, ServiceTarget } from '../compile.js';
import type { Balancer, Peer } from './balancer.js';

export interface Destination {
  host: string;
  port: number;
  balancer: Balancer | null;
  peer: Peer | null;
}

/** null: the service names an upstream that has no healthy target left. */
export function chooseDestination(cfg: CompiledConfig, svc: ServiceTarget, previous: Destination | null): Destination | null {
  const balancer = cfg.balancers.get(svc.host);
  if (!balancer) return { host: svc.host, port: svc.port, balancer: null, peer: null };
  const peer = balancer.pick(previous?.peer ?? undefined);
  return peer ? { host: peer.host, port: peer.port, balancer, peer } : null;
}

/** Kong: runloop/handler.lua, the upstream Host is the target's name plus a non-default port. */
export function upstreamHost(svc: ServiceTarget, dest: Destination): string {
  if (dest.balancer?.hostHeader) return dest.balancer.hostHeader;
  const defaultPort = svc.protocol === 'https' ? 443 : 80;
  const name = dest.host.includes(':') ? `[${dest.host}]` : dest.host;
  return dest.port === defaultPort ? name : `${name}:${dest.port}`;
}
