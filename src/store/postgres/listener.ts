// Wakes the store when another control plane commits: LISTEN on one dedicated connection, and a
// reconnect (then a catch-up) after it drops, plus a slow timer for a notification lost anyway.
// NOTIFY is delivered at commit, so a wake-up always finds the change it announces.
import pg from 'pg';
import type { Logger } from '../../log.js';
import { clientConfig, describePg, type PgConfig } from './config.js';

export const CHANNEL = 'hybridctl_changes';

export interface ChangeListener {
  close(): Promise<void>;
}

export function listenForChanges(cfg: PgConfig, o: { log: Logger; wake: () => void; safetyPollMs: number }): ChangeListener {
  let closed = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  let delay = 250;
  let lost = false;

  const schedule = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = null;
      void connect();
    }, delay);
    retry.unref();
    delay = Math.min(delay * 2, 5000);
  };

  const connect = async () => {
    const c = new pg.Client(clientConfig({ ...cfg, timeoutMs: Math.max(cfg.timeoutMs, 1000) }));
    // A dropped socket surfaces here and as 'end'; either way: reconnect.
    c.on('error', () => undefined);
    c.on('end', () => {
      if (client !== c) return;
      client = null;
      if (!closed && !lost) {
        lost = true;
        o.log.warn('lost the database connection that announces other control planes\' changes; reconnecting', { database: describePg(cfg) });
      }
      schedule();
    });
    c.on('notification', (n) => {
      if (n.channel === CHANNEL) o.wake();
    });
    try {
      await c.connect();
      await c.query(`listen ${CHANNEL}`);
    } catch {
      await c.end().catch(() => undefined);
      schedule();
      return;
    }
    if (closed) return void c.end().catch(() => undefined);
    client = c;
    delay = 250;
    if (lost) {
      lost = false;
      o.log.info('database connection for change announcements restored; catching up', { database: describePg(cfg) });
    }
    // Whatever was committed while no one listened.
    o.wake();
  };

  void connect();
  const timer = setInterval(() => o.wake(), o.safetyPollMs);
  timer.unref();
  return {
    async close() {
      closed = true;
      clearInterval(timer);
      if (retry) clearTimeout(retry);
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
