// nginx's stub_status counters for one proxy listener, as Kong's /status reports them
// (kong.nginx.get_statistics): connections accepted, handled, active, reading, writing, waiting,
// and requests. Counted per connection, never per request beyond one increment.
import type { Socket } from 'node:net';
import type { CompiledConfig } from './compile.js';

export interface NginxStats {
  connections_accepted: number;
  connections_handled: number;
  connections_active: number;
  connections_reading: number;
  connections_writing: number;
  connections_waiting: number;
  total_requests: number;
}

const ZERO_STATS: NginxStats = {
  connections_accepted: 0, connections_handled: 0, connections_active: 0, connections_reading: 0,
  connections_writing: 0, connections_waiting: 0, total_requests: 0,
};

export class ListenerStats {
  accepted = 0;
  requests = 0;
  private readonly sockets = new Set<Socket>();
  /** Lean-path connections with a response under way (node:http's are seen by _httpMessage). */
  leanWriting = 0;

  track(server: { on(event: 'connection', fn: (s: Socket) => void): unknown }): void {
    server.on('connection', (s) => {
      this.accepted++;
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
  }

  snapshot(): NginxStats {
    // A connection with a response under way is writing (node:http keeps it on the socket); the
    // others wait for their next request. Reading a request head is too short to be seen here.
    let writing = 0;
    for (const s of this.sockets) if ((s as Socket & { _httpMessage?: unknown })._httpMessage) writing++;
    writing = Math.min(this.sockets.size, writing + this.leanWriting);
    return {
      connections_accepted: this.accepted, connections_handled: this.accepted, connections_active: this.sockets.size,
      connections_reading: 0, connections_writing: writing, connections_waiting: this.sockets.size - writing,
      total_requests: this.requests,
    };
  }
}

export function sumStats(all: readonly NginxStats[]): NginxStats {
  const out = { ...ZERO_STATS };
  for (const s of all) for (const k of Object.keys(out) as (keyof NginxStats)[]) out[k] += s[k];
  return out;
}

/**
 * Targets as the passive checks see them: a target that refused connections is unhealthy until
 * its pause ends (Kong's upstream_target_health states, without active health checks).
 */
export function targetHealth(cfg: CompiledConfig, now = Date.now()): [string, string, string, string][] {
  const out: [string, string, string, string][] = [];
  for (const b of cfg.balancers.values()) {
    for (const p of b.peers) {
      const address = `${p.host.includes(':') ? `[${p.host}]` : p.host}:${p.port}`;
      out.push([b.name, address, address, p.downUntil > now ? 'unhealthy' : 'healthy']);
    }
  }
  return out;
}
