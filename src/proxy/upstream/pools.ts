// Keep-alive connection pools, one per upstream origin and connect timeout. They outlive config
// swaps so a new config reuses warm connections; after a swap, pools for origins the new config no
// longer names are closed, or every service that ever existed would keep its pool (and its idle
// sockets) for the life of the worker.
import { Pool } from 'undici';
import type { CompiledConfig } from '../compile.js';
import { connectOptions, type UpstreamTls } from './tls.js';

const poolKey = (protocol: string, host: string, port: number, connectTimeout: number, tls: UpstreamTls | null): string =>
  `${protocol}://${host}:${port}#${connectTimeout}${tls ? `+${tls.id}` : ''}`;

/** Every pool key a request served from `cfg` can ask for: service hosts, or their upstream's peers. */
export function liveKeys(cfg: CompiledConfig): Set<string> {
  const keys = new Set<string>();
  for (const svc of cfg.services.values()) {
    const balancer = cfg.balancers.get(svc.host);
    if (!balancer) keys.add(poolKey(svc.protocol, svc.host, svc.port, svc.connectTimeout, svc.tls));
    else for (const p of balancer.peers) keys.add(poolKey(svc.protocol, p.host, p.port, svc.connectTimeout, svc.tls));
  }
  return keys;
}

export class Pools {
  readonly #pools = new Map<string, Pool>();

  get size(): number {
    return this.#pools.size;
  }

  get(protocol: string, host: string, port: number, connectTimeout: number, tls: UpstreamTls | null): Pool {
    const key = poolKey(protocol, host, port, connectTimeout, tls);
    let pool = this.#pools.get(key);
    if (!pool) {
      const h = host.includes(':') ? `[${host}]` : host;
      pool = new Pool(`${protocol}://${h}:${port}`, {
        // Kong: nginx_proxy_proxy_ssl_verify is off unless the service sets tls_verify.
        connect: { timeout: connectTimeout, ...(protocol === 'https' ? connectOptions(tls) : {}) },
        keepAliveTimeout: 60_000,
        // Kong keeps 60 s idle upstream connections (upstream_keepalive_idle_timeout).
        keepAliveMaxTimeout: 60_000,
      });
      this.#pools.set(key, pool);
    }
    return pool;
  }

  /**
   * Closes the pools `cfg` cannot use. close() lets requests already on a pool finish; a request of
   * the old config that retries after this gets a fresh pool, closed at the next swap.
   */
  retainFor(cfg: CompiledConfig): number {
    if (this.#pools.size === 0) return 0;
    const live = liveKeys(cfg);
    let closed = 0;
    for (const [key, pool] of this.#pools) {
      if (live.has(key)) continue;
      this.#pools.delete(key);
      closed++;
      pool.close().catch(() => undefined);
    }
    return closed;
  }

  async close(): Promise<void> {
    const all = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.allSettled(all.map((p) => p.destroy()));
  }
}
