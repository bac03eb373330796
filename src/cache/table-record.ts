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
 * record when `key` is given ('HCE1', IV, GCM tag, ciphertext). `head` is `"k":v,` pairs.
 */
export function tableRecord(head: string, table: Record<string, unknown>, key: Buffer | null): Buffer {
  const sha = createHash('sha256');
  const iv = key ? randomBytes(12) : null;
  const cipher = key ? createCipheriv('aes-256-gcm', key, iv!) : null;
  const out: Buffer[] = [];
  const put = (text: string) => {
    const b = Buffer.from(text, 'utf8');
    out.push(cipher ? cipher.update(b) : b);
  };
  put(`{${head}"config_table":`);
  for (const piece of jsonPieces(table)) {
    sha.update(piece, 'utf8');
    put(piece);
  }
  put(`,"sha256":"${sha.digest('hex')}"}`);
  if (!cipher) return Buffer.concat(out);
  out.push(cipher.final());
  return Buffer.concat([Buffer.from('HCE1'), iv!, cipher.getAuthTag(), ...out]);
}
