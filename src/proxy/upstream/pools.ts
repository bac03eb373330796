// Keep-alive connection pools, one per upstream origin and connect timeout. They outlive config
// swaps so a new config reuses warm connections.
import { Pool } from 'undici';

export class Pools {
  readonly #pools = new Map<string, Pool>();

  get(protocol: string, host: string, port: number, connectTimeout: number, tlsVerify: boolean): Pool {
    const key = `${protocol}://${host}:${port}#${connectTimeout}${tlsVerify ? '+v' : ''}`;
    let pool = this.#pools.get(key);
    if (!pool) {
      const h = host.includes(':') ? `[${host}]` : host;
      pool = new Pool(`${protocol}://${h}:${port}`, {
        // Kong: nginx_proxy_proxy_ssl_verify is off unless the service sets tls_verify.
        connect: { timeout: connectTimeout, rejectUnauthorized: tlsVerify },
        keepAliveTimeout: 60_000,
        // Kong keeps 60 s idle upstream connections (upstream_keepalive_idle_timeout).
        keepAliveMaxTimeout: 60_000,
      });
      this.#pools.set(key, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    const all = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.allSettled(all.map((p) => p.destroy()));
  }
}
