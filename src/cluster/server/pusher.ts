// Getting the current config to every data plane fast without piling up copies: each DP has at
// most one config in flight and one pending; a pending one is always the newest at send time.
// (Kong sends the first change at once and then waits db_update_frequency; here the wait is only
// as long as the previous write to that DP.)
import type { Logger } from '../../log.js';
import type { DpConnection } from './connection.js';

export interface Current {
  payload: Buffer;
  hash: string;
}

const LATENCY_SAMPLES = 1024;

export class Pusher {
  pushes = 0;
  readonly latencyMs: number[] = [];
  private latencyAt = 0;
  /** When the change a DP is still waiting for happened, for the latency histogram. */
  private readonly waitingSince = new WeakMap<DpConnection, number>();
  private tooBigWarned: string | null = null;

  constructor(
    private readonly current: () => Current | null,
    private readonly maxPayload: number,
    private readonly log: Logger,
  ) {}

  /** current() changed: offer it to every ready DP. */
  changed(clients: Iterable<DpConnection>): void {
    const now = performance.now();
    for (const c of clients) this.offer(c, now);
  }

  /** `since`: when the change happened (0 for a DP's first config, which is not a push). */
  offer(c: DpConnection, since = 0): void {
    if (!c.isReady) return;
    if (c.sending) {
      c.dirty = true;
      if (since && !this.waitingSince.has(c)) this.waitingSince.set(c, since);
      return;
    }
    const cur = this.current();
    if (!cur || cur.hash === c.sentHash) return;
    if (!c.admit()) return;
    if (cur.payload.length > this.maxPayload) {
      if (this.tooBigWarned !== cur.hash) {
        this.tooBigWarned = cur.hash;
        this.log.error(`unable to send updated configuration to data plane: the compressed configuration is ${cur.payload.length} bytes, more than cluster_max_payload (${this.maxPayload})`);
      }
      return;
    }
    c.sending = true;
    c.dirty = false;
    c.ws.send(cur.payload, { binary: true, compress: false }, (err) => {
      c.sending = false;
      if (err) return;
      c.sentHash = cur.hash;
      this.pushes += 1;
      if (since > 0) this.sample(performance.now() - since);
      if (c.dirty) {
        const next = this.waitingSince.get(c) ?? 0;
        this.waitingSince.delete(c);
        this.offer(c, next);
      }
    });
  }

  private sample(ms: number): void {
    if (this.latencyMs.length < LATENCY_SAMPLES) this.latencyMs.push(ms);
    else this.latencyMs[this.latencyAt++ % LATENCY_SAMPLES] = ms;
  }
}
