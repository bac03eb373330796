// Weighted round-robin over an upstream's targets with passive health checks: a target that
// fails to connect FAILURES_TO_DOWN times in a row is skipped for DOWN_MS.
// Kong's default balancer is round-robin by weight; its passive checks count tcp_failures.

export const FAILURES_TO_DOWN = 3;
export const DOWN_MS = 10_000;

export interface Peer {
  host: string;
  port: number;
  weight: number;
  /** Consecutive connection failures. */
  failures: number;
  downUntil: number;
  /** Smooth weighted round-robin state (nginx's algorithm). */
  current: number;
}

export class Balancer {
  readonly name: string;
  readonly hostHeader: string | null;
  readonly peers: Peer[];
  readonly #now: () => number;

  constructor(name: string, hostHeader: string | null, targets: { host: string; port: number; weight: number }[], now = Date.now) {
    this.name = name;
    this.hostHeader = hostHeader;
    this.peers = targets.filter((t) => t.weight > 0).map((t) => ({ ...t, failures: 0, downUntil: 0, current: 0 }));
    this.#now = now;
  }

  /** The next healthy peer, or null when none is left (Kong answers 503 then). */
  pick(exclude?: Peer): Peer | null {
    const now = this.#now();
    let total = 0;
    let best: Peer | null = null;
    for (const p of this.peers) {
      if (p.downUntil > now || p === exclude) continue;
      p.current += p.weight;
      total += p.weight;
      if (!best || p.current > best.current) best = p;
    }
    if (best) best.current -= total;
    return best ?? (exclude && exclude.downUntil <= now ? exclude : null);
  }

  reportFailure(p: Peer): void {
    if (++p.failures >= FAILURES_TO_DOWN) {
      p.downUntil = this.#now() + DOWN_MS;
      p.failures = 0;
    }
  }

  reportSuccess(p: Peer): void {
    p.failures = 0;
  }
}

/** `host[:port]` of a target; Kong's default target port is 8000. */
export function parseTarget(target: string): { host: string; port: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(target);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : 8000 };
  const m = /^([^:]+)(?::(\d+))?$/.exec(target);
  if (!m) return { host: target, port: 8000 };
  return { host: m[1]!, port: m[2] ? Number(m[2]) : 8000 };
}
