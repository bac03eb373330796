// A real HAProxy in TCP mode in front of several backends (CP cluster listeners: mTLS passes
// through untouched), on a free loopback port, in the foreground, ended with the test or the file.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.js';
import { owned } from './teardown.js';

const BACKEND = 'cps';
const START_ATTEMPTS = 3;
const START_TIMEOUT_MS = 10_000;
// Health checks fast enough for failover tests: one failed check marks a server down, one good one up.
const CHECK = 'check inter 500ms fall 1 rise 1';

export interface HaproxyBackend {
  host: string;
  port: number;
}

export type ServerStatus = 'UP' | 'DOWN' | 'MAINT' | 'NOLB' | 'DRAIN' | string;

export interface Haproxy {
  host: string;
  port: number;
  /** host:port, as a cluster_control_plane value. */
  address: string;
  /** Backend i's status as HAProxy sees it (`UP`, `DOWN`, `MAINT`; transitional ones like `UP 1/2`). */
  status(i: number): Promise<ServerStatus>;
  /** Polls status(i) until it starts with `want`. */
  waitForStatus(i: number, want: 'UP' | 'DOWN' | 'MAINT', timeoutMs?: number): Promise<void>;
  /** Takes backend i out of rotation (maintenance) or puts it back, through the runtime API. */
  setBackendState(i: number, state: 'up' | 'down'): Promise<void>;
  /** The generated configuration, for failure messages. */
  config: string;
  stop(): Promise<void>;
}

export interface HaproxyOptions {
  backends: HaproxyBackend[];
  /** roundrobin spreads connections; first sends all to the first server that is up (active/standby). */
  balance?: 'roundrobin' | 'first';
}

function haproxyBin(): string {
  return existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';
}

function configText(port: number, socket: string, o: HaproxyOptions): string {
  const balance = o.balance ?? 'roundrobin';
  return [
    'global',
    '  maxconn 1024',
    // One thread keeps roundrobin strictly alternating from the first connection (and is plenty here).
    '  nbthread 1',
    `  stats socket ${socket} mode 600 level admin`,
    'defaults',
    '  mode tcp',
    '  timeout connect 1s',
    // The cluster connection is a WebSocket that stays open for hours between pings.
    '  timeout client 1h',
    '  timeout server 1h',
    '  timeout tunnel 1h',
    // A refused connection is retried on another server at once instead of failing the client.
    '  retries 3',
    '  option redispatch 1',
    'frontend cluster',
    `  bind 127.0.0.1:${port}`,
    `  default_backend ${BACKEND}`,
    `backend ${BACKEND}`,
    `  balance ${balance}`,
    // balance first fills a server up to its maxconn before using the next one.
    ...o.backends.map((b, i) => `  server s${i} ${b.host}:${b.port} ${CHECK}${balance === 'first' ? ' maxconn 1000' : ''}`),
    '',
  ].join('\n');
}

/** One runtime API command over the stats socket; resolves with HAProxy's answer. */
function command(socket: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    let out = '';
    s.on('connect', () => s.write(`${line}\n`));
    s.on('data', (d) => (out += d));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = connect(port, '127.0.0.1', () => (s.destroy(), r(true)));
    s.on('error', () => r(false));
  });
}

export async function startHaproxy(opts: HaproxyOptions): Promise<Haproxy> {
  if (opts.backends.length === 0) throw new Error('startHaproxy needs at least one backend');
  const dir = mkdtempSync(join(tmpdir(), 'hybridctl-haproxy-'));
  const cfgFile = join(dir, 'haproxy.cfg');
  const socket = join(dir, 'admin.sock');
  let proc: ChildProcess | undefined;
  let output = '';

  const exited = () => !proc || proc.exitCode !== null || proc.signalCode !== null;
  const stop = owned({
    destroy: async () => {
      if (proc && !exited()) {
        const p = proc;
        await new Promise<void>((r) => {
          p.once('exit', () => r());
          p.kill('SIGTERM');
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => {
      if (proc && !exited()) proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  });

  let port = 0;
  let config = '';
  // freePort() can race another process for the port; a bind failure is retried on a new one.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    config = configText(port, socket, opts);
    writeFileSync(cfgFile, config);
    output = '';
    const p = spawn(haproxyBin(), ['-f', cfgFile, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc = p;
    p.stdout?.on('data', (d) => (output += d));
    p.stderr?.on('data', (d) => (output += d));
    const spawnError = new Promise<Error>((r) => p.once('error', r));
    const end = Date.now() + START_TIMEOUT_MS;
    let ready = false;
    while (!ready && !exited() && Date.now() < end) {
      ready = (await tcpOpen(port)) && existsSync(socket);
      if (!ready) await Promise.race([new Promise((r) => setTimeout(r, 50)), spawnError]);
    }
    if (ready && !exited()) break;
    const err = await Promise.race([spawnError, Promise.resolve(null)]);
    if (err) throw new Error(`cannot run haproxy (${err.message}); install it (apt-get install haproxy)`);
    if (attempt < START_ATTEMPTS && /cannot bind socket|address already in use/i.test(output)) continue;
    throw new Error(`haproxy did not start listening on 127.0.0.1:${port}:\n${output}\n--- ${cfgFile}\n${config}`);
  }

  const status = async (i: number): Promise<ServerStatus> => {
    const csv = await command(socket, 'show stat');
    const lines = csv.split('\n');
    const header = (lines[0] ?? '').replace(/^# /, '').split(',');
    const col = header.indexOf('status');
    const row = lines.find((l) => l.startsWith(`${BACKEND},s${i},`));
    if (!row || col < 0) throw new Error(`no server s${i} in haproxy's stats:\n${csv}`);
    return row.split(',')[col] ?? '';
  };

  return {
    host: '127.0.0.1',
    port,
    address: `127.0.0.1:${port}`,
    config,
    status,
    waitForStatus: async (i, want, timeoutMs = 10_000) => {
      const end = Date.now() + timeoutMs;
      let last = '';
      while (Date.now() < end) {
        last = await status(i);
        if (last.startsWith(want)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`haproxy server s${i} is ${last}, not ${want}, after ${timeoutMs} ms`);
    },
    setBackendState: async (i, state) => {
      const answer = (await command(socket, `set server ${BACKEND}/s${i} state ${state === 'up' ? 'ready' : 'maint'}`)).trim();
      if (answer) throw new Error(`haproxy refused to set s${i} ${state}: ${answer}`);
    },
    stop,
  };
}
