// LMDB maps its data file and trusts every byte of it: a page number past the end of a truncated
// file is a SIGBUS, a garbage node offset a SIGSEGV, and neither can be caught. So before LMDB sees
// a data.mdb we read it ourselves with plain reads and check everything LMDB will follow when it
// opens the snapshot it is going to use: both meta pages, the file size against the last page, and
// every page reachable from the roots (header, bounds of every node, child and overflow page numbers).
// The layout is lmdb-js 3's LMDB 0.9.90, data format v2, 64-bit (see mdb.c: MDB_page_header, MDB_meta).
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { errorMessage } from '../errors.js';

const MAGIC = 0xbeefc0de;
const DATA_VERSION = 2;
const PAGEHDRSZ = 24;
const NODESIZE = 8;
const P_BRANCH = 0x01;
const P_LEAF = 0x02;
const P_OVERFLOW = 0x04;
const P_META = 0x08;
const P_LEAF2 = 0x20;
const P_TYPE = P_BRANCH | P_LEAF | P_OVERFLOW | P_META | P_LEAF2;
const F_BIGDATA = 0x01;
const F_SUBDATA = 0x02;
const F_DUPDATA = 0x04;
const P_INVALID = 0xffff_ffff_ffff_ffffn;
const OVERLAPPINGSYNC = 0x1000;

interface Db {
  depth: number;
  root: bigint;
}

interface Meta {
  page: number;
  psize: number;
  flags: number;
  dbs: [Db, Db];
  lastPg: bigint;
  txnid: bigint;
  bootId: bigint;
}

export const EMPTY = 'is empty (0 bytes)';

/** Why a data file cannot be handed to LMDB; thrown only by the checks below. */
class Damage extends Error {}
const bad = (why: string): never => {
  throw new Damage(why);
};

/**
 * Checks one LMDB data file. Returns null when LMDB can open it safely, else the reason it cannot
 * (for the log line and the error message). Never throws.
 */
export function lmdbDataFileProblem(file: string): string | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    return `cannot be read (${errorMessage(err)})`;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return 'is not a regular file';
    if (st.size === 0) return EMPTY;
    const size = BigInt(st.size);
    const read = (pos: number, len: number): Buffer => {
      const buf = Buffer.alloc(len);
      let got = 0;
      while (got < len) {
        const n = readSync(fd, buf, got, len - got, pos + got);
        if (n === 0) break;
        got += n;
      }
      if (got < len) bad(`is truncated (${st.size} bytes, needs at least ${pos + len})`);
      return buf;
    };
    const m0 = readMeta(read(0, 256), 0);
    const m1 = readMeta(read(m0.psize, 256), 1);
    if (m1.psize !== m0.psize) bad(`has meta pages with different page sizes (${m0.psize}, ${m1.psize})`);
    const meta = pickMeta(m0, m1);
    checkSnapshot(meta, size, (pg) => read(pg * meta.psize, meta.psize));
    return null;
  } catch (err) {
    if (err instanceof Damage) return err.message;
    return `cannot be read (${errorMessage(err)})`;
  } finally {
    closeSync(fd);
  }
}

function readMeta(p: Buffer, page: number): Meta {
  const where = `meta page ${page}`;
  if ((p.readUInt16LE(18) & P_META) === 0 || p.readBigUInt64LE(0) !== BigInt(page)) bad(`is not an LMDB file (${where} has no meta page header)`);
  if (p.readUInt32LE(24) !== MAGIC) bad(`is not an LMDB file (${where} has no LMDB magic)`);
  const version = p.readUInt32LE(28) & 0xffff;
  if (version !== DATA_VERSION) bad(`has LMDB data format ${version}; this build reads format ${DATA_VERSION}`);
  const psize = p.readUInt32LE(48);
  if (psize < 512 || psize > 65536 || (psize & (psize - 1)) !== 0) bad(`has an impossible page size ${psize} in ${where}`);
  const db = (off: number): Db => ({ depth: p.readUInt16LE(off + 6), root: p.readBigUInt64LE(off + 40) });
  return { page, psize, flags: p.readUInt16LE(52), dbs: [db(48), db(96)], lastPg: p.readBigUInt64LE(144), txnid: p.readBigUInt64LE(152), bootId: p.readBigInt64LE(160) };
}

/**
 * The snapshot LMDB will open (mdb_pick_meta): the newest, except that lmdb-js opens with
 * overlapping sync, and then a snapshot written in an earlier boot (maybe never flushed) is
 * passed over for the one before it.
 */
function pickMeta(a: Meta, b: Meta): Meta {
  if (b.txnid === 0n) return a;
  const latest = a.txnid >= b.txnid ? a : b;
  const safeRestore = process.env.LMDB_RESTORE === 'safe';
  if ((latest.bootId !== 0n && latest.bootId === bootId() && !safeRestore) || (latest.flags & OVERLAPPINGSYNC) === 0) return latest;
  return a.txnid > b.txnid ? b : a;
}

let boot: bigint | undefined;
/** LMDB's boot id: strtoll(…, 16) of /proc/sys/kernel/random/boot_id, i.e. its first hex group. */
function bootId(): bigint {
  if (boot !== undefined) return boot;
  try {
    const hex = /^[0-9a-f]+/i.exec(readFileSync('/proc/sys/kernel/random/boot_id', 'latin1'))?.[0];
    boot = hex ? BigInt.asIntN(64, BigInt(`0x${hex.slice(0, 16)}`)) : 0n;
  } catch {
    boot = 0n;
  }
  return boot;
}

function checkSnapshot(meta: Meta, size: bigint, page: (pg: number) => Buffer): void {
  const psize = BigInt(meta.psize);
  if (meta.lastPg < 1n || meta.lastPg > 0xffff_ffffn) bad(`has an impossible last page ${meta.lastPg} in meta page ${meta.page}`);
  const need = (meta.lastPg + 1n) * psize;
  if (size < need) bad(`is truncated: ${size} bytes, but its meta page ${meta.page} uses ${meta.lastPg + 1n} pages of ${psize} (${need} bytes)`);
  const last = Number(meta.lastPg);
  const seen = new Set<number>();
  const claim = (pg: number, what: string) => {
    if (pg < 2 || pg > last) bad(`points past its last page (${what} ${pg}, last page ${last})`);
    if (seen.has(pg)) bad(`has page ${pg} used twice (${what})`);
    seen.add(pg);
  };
  const walk = (pg: number, depth: number, what: string): void => {
    claim(pg, what);
    const p = page(pg);
    if (p.readBigUInt64LE(0) !== BigInt(pg)) bad(`has a damaged page ${pg} (its header names page ${p.readBigUInt64LE(0)})`);
    const type = p.readUInt16LE(18) & P_TYPE;
    const expect = depth > 1 ? P_BRANCH : P_LEAF;
    if (type === (P_LEAF | P_LEAF2) && depth === 1) return;
    if (type !== expect) bad(`has a damaged page ${pg} (flags 0x${type.toString(16)} where a ${depth > 1 ? 'branch' : 'leaf'} page belongs)`);
    const lower = p.readUInt16LE(20);
    const upper = p.readUInt16LE(22);
    const room = meta.psize - PAGEHDRSZ;
    if (lower % 2 !== 0 || lower > upper || upper > room) bad(`has a damaged page ${pg} (free space ${lower}..${upper})`);
    const keys = lower / 2;
    if (depth > 1 && keys === 0) bad(`has a damaged page ${pg} (an empty branch page)`);
    for (let i = 0; i < keys; i++) {
      const off = PAGEHDRSZ + p.readUInt16LE(PAGEHDRSZ + 2 * i);
      if (off < PAGEHDRSZ + upper || off + NODESIZE > meta.psize) bad(`has a damaged page ${pg} (node ${i} outside the page)`);
      const lo = p.readUInt16LE(off);
      const hi = p.readUInt16LE(off + 2);
      const flags = p.readUInt16LE(off + 4);
      const ksize = p.readUInt16LE(off + 6);
      if (depth > 1) {
        if (off + NODESIZE + ksize > meta.psize) bad(`has a damaged page ${pg} (key ${i} outside the page)`);
        walk(lo + hi * 0x1_0000 + flags * 0x1_0000_0000, depth - 1, 'branch');
        continue;
      }
      const dsize = lo + hi * 0x1_0000;
      const inline = flags & F_BIGDATA ? 8 : dsize;
      if (off + NODESIZE + ksize + inline > meta.psize) bad(`has a damaged page ${pg} (record ${i} outside the page)`);
      const data = off + NODESIZE + ksize;
      if (flags & F_BIGDATA) overflow(Number(p.readBigUInt64LE(data)), dsize);
      else if (flags & F_SUBDATA) {
        if (dsize < 48) bad(`has a damaged page ${pg} (sub-database record ${i} too short)`);
        tree({ depth: p.readUInt16LE(data + 6), root: p.readBigUInt64LE(data + 40) }, 'sub-database');
      } else if (flags & F_DUPDATA && dsize < PAGEHDRSZ) bad(`has a damaged page ${pg} (duplicates record ${i} too short)`);
    }
  };
  const overflow = (pg: number, bytes: number) => {
    if (pg < 2 || pg > last) bad(`points past its last page (overflow ${pg}, last page ${last})`);
    const p = page(pg);
    if (p.readBigUInt64LE(0) !== BigInt(pg) || (p.readUInt16LE(18) & P_TYPE) !== P_OVERFLOW) bad(`has a damaged overflow page ${pg}`);
    const pages = p.readUInt32LE(20);
    const needed = Math.floor((PAGEHDRSZ - 1 + bytes) / meta.psize) + 1;
    if (pages < needed || pg + pages - 1 > last) bad(`has a damaged overflow page ${pg} (${pages} pages for ${bytes} bytes, last page ${last})`);
    for (let i = 0; i < pages; i++) claim(pg + i, 'overflow');
  };
  const tree = (db: Db, what: string) => {
    if (db.root === P_INVALID) return;
    if (db.depth < 1 || db.depth > 64 || db.root > meta.lastPg) bad(`has a damaged ${what} root (page ${db.root}, depth ${db.depth}, last page ${last})`);
    walk(Number(db.root), db.depth, `${what} root`);
  };
  tree(meta.dbs[0], 'free-space');
  tree(meta.dbs[1], 'main');
}
