// The data plane's config cache: the last accepted config_table in <prefix>/dbless.lmdb/ (an LMDB
// directory, as Kong keeps it), so a restart without the control plane still serves traffic.
// One record holds hash and table together, so a reader never sees one without the other.
import { createCipheriv, createDecipheriv, createHash, createPrivateKey, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import type { Logger } from '../log.js';
import { errorMessage } from '../errors.js';

export type CacheMode = 'off' | 'unencrypted' | 'encrypted';

export interface ConfigCache {
  readonly path: string | null;
  load(): { configTable: Record<string, unknown>; hash: string } | null;
  save(configTable: Record<string, unknown>, hash: string): Promise<void>;
  close(): Promise<void>;
}

const RECORD = 'config';
const LMDB_MAGIC = 0xbeefc0de;

/**
 * LMDB trusts its files: a damaged data.mdb can crash the process rather than fail an open.
 * Check the meta page before handing the file to it.
 */
export function looksLikeLmdb(dir: string): boolean {
  const file = join(dir, 'data.mdb');
  if (!existsSync(file)) return true; // a fresh directory is created by LMDB
  const size = statSync(file).size;
  if (size < 8192) return false;
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(64);
    readSync(fd, head, 0, 64, 0);
    // The meta header sits after the page header, whose size depends on the LMDB build.
    return [16, 24].some((off) => head.readUInt32LE(off) === LMDB_MAGIC);
  } finally {
    closeSync(fd);
  }
}

function deriveKey(keyPem: string): Buffer {
  const der = createPrivateKey(keyPem).export({ format: 'der', type: 'pkcs8' });
  return Buffer.from(hkdfSync('sha256', der, 'hybridctl dp config cache', 'aes-256-gcm v1', 32));
}

function seal(plain: Buffer, key: Buffer): Buffer {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([Buffer.from('HCE1'), iv, c.getAuthTag(), body]);
}

function unseal(data: Buffer, key: Buffer): Buffer {
  if (data.subarray(0, 4).toString('latin1') !== 'HCE1') throw new Error('not an encrypted cache record');
  const d = createDecipheriv('aes-256-gcm', key, data.subarray(4, 16));
  d.setAuthTag(data.subarray(16, 32));
  return Buffer.concat([d.update(data.subarray(32)), d.final()]);
}

export function openConfigCache(opts: { prefix: string; mode: CacheMode; path?: string; keyPem?: string; log: Logger }): ConfigCache {
  const log = opts.log;
  if (opts.mode === 'off') {
    return { path: null, load: () => null, save: async () => undefined, close: async () => undefined };
  }
  const dir = opts.path ?? join(opts.prefix, 'dbless.lmdb');
  const key = opts.mode === 'encrypted' ? (opts.keyPem ? deriveKey(opts.keyPem) : null) : null;
  if (opts.mode === 'encrypted' && !key) throw new Error('data_plane_config_cache_mode = encrypted needs the cluster key');
  let db: RootDatabase<Buffer, string> | null = null;

  const openDb = (): RootDatabase<Buffer, string> => {
    if (db) return db;
    if (!looksLikeLmdb(dir)) {
      const aside = `${dir}.corrupt-${Date.now()}`;
      renameSync(dir, aside);
      log.warn('the config cache is damaged (not an LMDB environment); moved it aside and starting without it', { cache: dir, moved_to: aside });
    }
    // The cached config holds plugin credentials: the directory is private before LMDB writes into it.
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    db = open<Buffer, string>({ path: dir, noSubdir: false, encoding: 'binary', compression: false });
    return db;
  };

  return {
    path: dir,
    load() {
      try {
        const raw = openDb().get(RECORD);
        if (!raw) return null;
        const plain = key ? unseal(Buffer.from(raw), key) : Buffer.from(raw);
        const doc = JSON.parse(plain.toString('utf8')) as { hash?: unknown; sha256?: unknown; config_table?: unknown };
        const table = doc.config_table;
        if (typeof doc.hash !== 'string' || table === null || typeof table !== 'object' || Array.isArray(table)) throw new Error('record has no hash or config_table');
        if (doc.sha256 !== createHash('sha256').update(JSON.stringify(table)).digest('hex')) throw new Error('record checksum does not match');
        return { configTable: table as Record<string, unknown>, hash: doc.hash };
      } catch (err) {
        log.warn('could not read the config cache; starting without it', { cache: dir, error: errorMessage(err) });
        return null;
      }
    },
    async save(configTable, hash) {
      const body = JSON.stringify(configTable);
      const doc = `{"hash":${JSON.stringify(hash)},"sha256":"${createHash('sha256').update(body).digest('hex')}","config_table":${body}}`;
      const plain = Buffer.from(doc, 'utf8');
      await openDb().put(RECORD, key ? seal(plain, key) : plain);
    },
    async close() {
      const d = db;
      db = null;
      await d?.close();
    },
  };
}
