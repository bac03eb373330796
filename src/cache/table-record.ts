// The cache's table record written piece by piece: the table serialised one row at a time into
// the checksum, the cipher and the record, never as one string nor copied whole for each step.
// A 100k-route table is ~90 MB of JSON; written whole it held four copies of itself at once.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';

/** Pieces are handed on at about this size: fewer native calls, little memory. */
const PIECE_CHARS = 1 << 20;

/** JSON.stringify(table)'s exact text, in pieces (plain data: no toJSON, no cycles). */
export function* jsonPieces(table: Record<string, unknown>): Generator<string> {
  let buf = '{';
  let first = true;
  for (const key of Object.keys(table)) {
    const value = table[key];
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    buf += `${first ? '' : ','}${JSON.stringify(key)}:`;
    first = false;
    if (!Array.isArray(value)) {
      buf += JSON.stringify(value);
      continue;
    }
    buf += '[';
    for (let i = 0; i < value.length; i++) {
      const el = value[i] as unknown;
      buf += `${i ? ',' : ''}${el === undefined || typeof el === 'function' || typeof el === 'symbol' ? 'null' : JSON.stringify(el)}`;
      if (buf.length > PIECE_CHARS) {
        yield buf;
        buf = '';
      }
    }
    buf += ']';
  }
  yield `${buf}}`;
}

/**
 * `{<head>"config_table":<table>,"sha256":"<of the table's JSON>"}`, sealed as the cache seals a
 * record when `key` is given ('HCE1', IV, GCM tag, ciphertext). `head` is `"k":v,` pairs. Written
 * into one buffer sized from a sample of the rows, grown if the sample was short.
 */
export function tableRecord(head: string, table: Record<string, unknown>, key: Buffer | null): Buffer {
  const sha = createHash('sha256');
  const iv = key ? randomBytes(12) : null;
  const cipher = key ? createCipheriv('aes-256-gcm', key, iv!) : null;
  const start = key ? 32 : 0;
  let out = Buffer.allocUnsafe(start + estimateBytes(table) + head.length + 256);
  let used = start;
  const write = (bytes: Buffer) => {
    if (used + bytes.length > out.length) {
      const grown = Buffer.allocUnsafe(Math.max(out.length * 1.5, used + bytes.length) | 0);
      out.copy(grown, 0, 0, used);
      out = grown;
    }
    used += bytes.copy(out, used);
  };
  const put = (text: string) => {
    const plain = Buffer.from(text, 'utf8');
    write(cipher ? cipher.update(plain) : plain);
  };
  put(`{${head}"config_table":`);
  for (const piece of jsonPieces(table)) {
    sha.update(piece, 'utf8');
    put(piece);
  }
  put(`,"sha256":"${sha.digest('hex')}"}`);
  if (cipher) {
    write(cipher.final());
    out.write('HCE1', 0, 'latin1');
    iv!.copy(out, 4);
    cipher.getAuthTag().copy(out, 16);
  }
  return out.subarray(0, used);
}

/** The table's JSON size, from up to 32 evenly spaced rows of each family, with 5% to spare. */
function estimateBytes(table: Record<string, unknown>): number {
  let total = 64;
  for (const [key, value] of Object.entries(table)) {
    if (!Array.isArray(value)) {
      total += key.length + 8 + (JSON.stringify(value)?.length ?? 0);
      continue;
    }
    const n = value.length;
    if (n === 0) continue;
    const step = Math.max(1, Math.floor(n / 32));
    let sampled = 0;
    let bytes = 0;
    for (let i = 0; i < n; i += step, sampled++) bytes += Buffer.byteLength(JSON.stringify(value[i]) ?? 'null') + 1;
    total += key.length + 8 + Math.ceil((bytes / sampled) * n * 1.05);
  }
  return total;
}
