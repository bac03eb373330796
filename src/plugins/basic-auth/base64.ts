// nginx's base64 decoding (ngx.decode_base64), which basic-auth and hmac-auth rely on: Node's
// decoder accepts anything, nginx refuses what is not base64, and Kong's outcomes follow from that.
const ALPHABET = /^[A-Za-z0-9+/]*$/;

/**
 * The bytes, or null where nginx fails: a character outside the standard alphabet before the
 * first '=', or a length that leaves one dangling character. Whatever follows '=' is ignored,
 * and padding is optional, as in nginx.
 */
export function decodeBase64(s: string): Buffer | null {
  const eq = s.indexOf('=');
  const body = eq === -1 ? s : s.slice(0, eq);
  if (!ALPHABET.test(body) || body.length % 4 === 1) return null;
  return Buffer.from(body, 'base64');
}
