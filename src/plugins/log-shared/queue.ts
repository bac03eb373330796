// Kong's plugin queue (kong/tools/queue.lua): entries wait in this worker's memory, bounded by
// max_entries and max_bytes (the oldest are dropped when full), and are handed to the handler in
// batches of up to max_batch_size, coalesced for up to max_coalescing_delay seconds. A failing
// batch is retried with exponential backoff until max_retry_time has passed. Each proxy worker has
// its own queues, as each nginx worker has in Kong.
import type { PluginLogger } from '../pdk/types.js';
import type { QueueConf } from './fields.js';

export type QueueHandler = (entries: string[]) => Promise<void>;

// Kong's constants.
const CAPACITY_WARNING_THRESHOLD = 0.8;
const COALESCE_POLL_TIME = 1.0;
const COALESCE_MIN_TIME = 0.05;

const now = () => performance.now() / 1000;

/** A timer that never keeps a closing worker alive by itself: drainQueues bounds how long a stopping worker waits. */
const sleep = (seconds: number) => new Promise<void>((ok) => setTimeout(ok, seconds * 1000).unref());

export interface QueueOwner {
  /** Kong's log tag: `<plugin> plugin <id>`. */
  tag: string;
  /** How the queue is named in log lines (never the endpoint's credentials). */
  label: string;
  log: PluginLogger;
  handler: QueueHandler;
}

class Queue {
  private entries: string[] = [];
  private front = 0;
  private bytes = 0;
  private warned = false;
  private dropping = false;
  private wake: (() => void) | null = null;
  /** Entries of the batch being handled (retries included). */
  sending = 0;

  constructor(private readonly key: string, private readonly conf: QueueConf, private owner: QueueOwner) {}

  count(): number {
    return this.entries.length - this.front;
  }

  private say(level: keyof PluginLogger, msg: string): void {
    this.owner.log[level](`[${this.owner.tag}] queue ${this.owner.label}: ${msg}`);
  }

  enqueue(entry: string, owner: QueueOwner): string | null {
    // Kong hands the latest plugin config to the running queue.
    this.owner = owner;
    const { max_entries: maxEntries, max_bytes: maxBytes } = this.conf;
    if (this.count() >= maxEntries * CAPACITY_WARNING_THRESHOLD) {
      if (!this.warned) this.say('warn', `queue at ${CAPACITY_WARNING_THRESHOLD * 100}% capacity`);
      this.warned = true;
    } else this.warned = false;
    if (this.count() >= maxEntries) {
      if (!this.dropping) this.say('err', 'queue full, dropping old entries until processing is successful again');
      this.dropOldest();
      this.dropping = true;
    }
    const size = Buffer.byteLength(entry);
    if (maxBytes !== null) {
      if (size > maxBytes) {
        const msg = `string to be queued is longer (${size} bytes) than the queue's max_bytes (${maxBytes} bytes)`;
        this.say('err', msg);
        return msg;
      }
      let dropped = 0;
      while (this.bytes + size > maxBytes) {
        this.dropOldest();
        dropped++;
      }
      if (dropped > 0) {
        this.dropping = true;
        this.say('err', `byte capacity exceeded, ${dropped} queue entries were dropped`);
      }
    }
    this.entries.push(entry);
    this.bytes += size;
    const w = this.wake;
    this.wake = null;
    w?.();
    return null;
  }

  private dropOldest(): void {
    this.bytes -= Buffer.byteLength(this.entries[this.front]!);
    this.front++;
    this.compact();
  }

  private take(n: number): string[] {
    const batch = this.entries.slice(this.front, this.front + n);
    for (const e of batch) this.bytes -= Buffer.byteLength(e);
    this.front += n;
    this.compact();
    return batch;
  }

  private compact(): void {
    if (this.front === this.entries.length) {
      this.entries = [];
      this.front = 0;
    } else if (this.front > 1024 && this.front * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.front);
      this.front = 0;
    }
  }

  /** The worker is stopping: a batch being coalesced goes now. */
  hurry(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private waitForEntry(seconds: number): Promise<void> {
    return new Promise((ok) => {
      const t = setTimeout(() => { this.wake = null; ok(); }, seconds * 1000).unref();
      this.wake = () => { clearTimeout(t); ok(); };
    });
  }

  /** Kong's timer loop: batches until the queue is empty, then the queue is gone. */
  async run(): Promise<void> {
    const { max_batch_size: batchSize, max_coalescing_delay: delay } = this.conf;
    while (this.count() > 0) {
      const started = now();
      while (!exiting && this.count() < batchSize && delay - (now() - started) >= COALESCE_MIN_TIME) {
        await this.waitForEntry(Math.min(delay - (now() - started), COALESCE_POLL_TIME));
      }
      const batch = this.take(Math.min(this.count(), batchSize));
      if (this.dropping) {
        this.say('info', 'queue resumed processing');
        this.dropping = false;
      }
      this.sending = batch.length;
      await handle(batch, this.conf, (level, msg) => this.say(level, msg), this.owner.handler);
      this.sending = 0;
    }
    queues.delete(this.key);
    this.say('debug', 'done processing queue');
  }
}

/** One batch: the handler, retried with backoff until max_retry_time; then the batch is lost (and that is logged). */
async function handle(batch: string[], conf: QueueConf, say: (level: keyof PluginLogger, msg: string) => void, handler: QueueHandler): Promise<void> {
  const start = now();
  for (let retry = 0; ; retry++) {
    try {
      await handler(batch);
      return;
    } catch (err) {
      say('warn', `handler could not process entries: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (now() - start > conf.max_retry_time) {
      say('err', `could not send entries due to max_retry_time exceeded. ${batch.length} queue entries were lost`);
      return;
    }
    await sleep(Math.min(conf.max_retry_delay, 2 ** retry * conf.initial_retry_delay));
  }
}

const queues = new Map<string, Queue>();
/** Kong's ngx.worker.exiting(): queues stop coalescing and send what they hold. */
let exiting = false;

/** Entries sent one by one, each on its own (concurrency_limit -1): bounded by max_entries in flight. */
let inFlight = 0;

/**
 * Kong's Queue.enqueue: the queue named `key` (created with `conf` when absent) takes the entry.
 * Returns an error message when the entry cannot be queued.
 */
export function enqueue(key: string, conf: QueueConf, owner: QueueOwner, entry: string): string | null {
  if (conf.concurrency_limit === -1) {
    if (inFlight >= conf.max_entries) return 'too many entries being sent (queue.max_entries); entry dropped';
    inFlight++;
    void handle([entry], conf, (level, msg) => owner.log[level](`[${owner.tag}] ${msg}`), owner.handler).finally(() => inFlight--);
    return null;
  }
  let q = queues.get(key);
  if (q) return q.enqueue(entry, owner);
  q = new Queue(key, conf, owner);
  queues.set(key, q);
  const err = q.enqueue(entry, owner);
  void q.run();
  return err;
}

/**
 * The worker is stopping: every queue sends what it holds without coalescing (as Kong's queues do
 * once ngx.worker.exiting()), and this resolves when all of it was handled (retries included) or
 * `ms` passed, with the number of entries still unsent.
 */
export async function drainQueues(ms: number): Promise<number> {
  exiting = true;
  for (const q of queues.values()) q.hurry();
  const until = performance.now() + ms;
  while ((queues.size > 0 || inFlight > 0) && performance.now() < until) await new Promise((ok) => setTimeout(ok, 10));
  let left = inFlight;
  for (const q of queues.values()) left += q.count() + q.sending;
  return left;
}
