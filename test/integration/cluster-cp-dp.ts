// A minimal data plane speaking hybrid protocol v1 over real mTLS, for the control plane tests.
import WebSocket from 'ws';
import { createLogger } from '../../src/log.js';
import { startClusterServer, type ClusterServer, type ClusterServerOptions, type DataPlaneRow } from '../../src/cluster/server/index.js';
import { buildReconfigure, decodeReconfigure, encodeBasicInfo, encodePing, type ReconfigureMessage } from '../../src/cluster/protocol/messages.js';

export interface DpOptions {
  port: number;
  certPem?: string;
  keyPem?: string;
  /** What the DP trusts for the CP's certificate. */
  caPem: string;
  servername: string;
  /** Raw query string; defaults to a complete one. */
  query?: string;
  version?: string;
  /** Send this instead of a valid basic_info (or nothing with `false`). */
  basicInfo?: Buffer | false;
  path?: string;
}

export type Outcome =
  | { kind: 'open'; dp: TestDp }
  | { kind: 'http'; status: number }
  | { kind: 'dropped'; error: string };

export class TestDp {
  readonly configs: ReconfigureMessage[] = [];
  readonly closed: Promise<{ code: number }>;
  private waiters: (() => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      void decodeReconfigure(data).then((m) => {
        this.configs.push(m);
        for (const w of this.waiters.splice(0)) w();
      });
    });
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve({ code })));
  }

  /** Resolves with the n-th config received (1-based), waiting for it if needed. */
  async config(n: number): Promise<ReconfigureMessage> {
    while (this.configs.length < n) await new Promise<void>((r) => this.waiters.push(r));
    return this.configs[n - 1]!;
  }

  /** Resolves when a config with this hash has arrived. */
  async configWithHash(hash: string): Promise<ReconfigureMessage> {
    for (;;) {
      const found = this.configs.find((c) => c.config_hash === hash);
      if (found) return found;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** Sends a ping and resolves with the pong's payload. */
  ping(hash: string | Buffer): Promise<Buffer> {
    return new Promise((resolve) => {
      this.ws.once('pong', (data: Buffer) => resolve(data));
      this.ws.ping(typeof hash === 'string' ? encodePing(hash) : hash);
    });
  }

  close(): void {
    this.ws.close();
  }
}

export const DEFAULT_QUERY = (version = '3.10.0') => `node_id=5b1c1b7e-8a5a-4d7b-9a53-1b2c3d4e5f60&node_hostname=dp-test&node_version=${version}`;

export function connectDp(o: DpOptions): Promise<Outcome> {
  const url = `wss://127.0.0.1:${o.port}${o.path ?? '/v1/outlet'}?${o.query ?? DEFAULT_QUERY(o.version)}`;
  // ws hands these to tls.connect, which takes the SNI name; its types omit it.
  const options: WebSocket.ClientOptions & { servername: string } = {
    cert: o.certPem,
    key: o.keyPem,
    ca: o.caPem,
    servername: o.servername,
    perMessageDeflate: false,
    handshakeTimeout: 5000,
  };
  const ws = new WebSocket(url, options);
  return new Promise((resolve) => {
    ws.once('open', () => {
      const dp = new TestDp(ws);
      if (o.basicInfo !== false) ws.send(o.basicInfo ?? encodeBasicInfo({ plugins: [{ name: 'key-auth', version: '3.10.0' }], labels: { region: 'test' } }), { binary: true });
      resolve({ kind: 'open', dp });
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve({ kind: 'http', status: res.statusCode ?? 0 });
      res.resume();
      ws.terminate();
    });
    ws.once('error', (err) => resolve({ kind: 'dropped', error: err.message }));
  });
}

// ---- a control plane under test, with its log lines and status rows captured ----

export interface TestCp {
  server: ClusterServer;
  port: number;
  lines: string[];
  rows: DataPlaneRow[];
  setConfig(table: Record<string, unknown>): string;
  /** A hostile CP: these exact frame bytes (any gzip, any hash) become the config every DP is sent. */
  setRaw(payload: Buffer, hash: string): void;
  /** Resolves with the first log line matching, waiting for it if needed. */
  line(re: RegExp): Promise<string>;
  /** Resolves with the first status row matching. */
  row(pred: (r: DataPlaneRow) => boolean): Promise<DataPlaneRow>;
}

export async function startCp(o: Omit<ClusterServerOptions, 'listen' | 'log' | 'cpVersion' | 'current' | 'onDataPlane'> & { cpVersion?: string }): Promise<TestCp> {
  const lines: string[] = [];
  const rows: DataPlaneRow[] = [];
  const waiters: (() => void)[] = [];
  const wake = () => { for (const w of waiters.splice(0)) w(); };
  const log = createLogger({ level: 'debug', write: (l) => { lines.push(l); wake(); } }).child('clustering');
  let current: { payload: Buffer; hash: string } | null = null;
  const server = await startClusterServer({
    ...o,
    listen: { host: '127.0.0.1', port: 0 },
    log,
    cpVersion: o.cpVersion ?? '3.10.0',
    current: () => current,
    onDataPlane: (r) => { rows.push(r); wake(); },
  });
  const until = async <T>(find: () => T | undefined): Promise<T> => {
    for (;;) {
      const v = find();
      if (v !== undefined) return v;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return {
    server,
    port: server.address.port,
    lines,
    rows,
    setConfig(table) {
      current = buildReconfigure(table);
      return current.hash;
    },
    setRaw(payload, hash) {
      current = { payload, hash };
    },
    line: (re) => until(() => lines.find((l) => re.test(l))),
    row: (pred) => until(() => rows.find(pred)),
  };
}
