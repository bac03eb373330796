// basic-auth (Kong 3.10 kong/plugins/basic-auth): username and password from Authorization or
// Proxy-Authorization, checked against basicauth_credentials, whose password the entity layer
// stores as sha1_hex(password .. consumer_id).
import { createHash, timingSafeEqual } from 'node:crypto';
import { KONG_PROTOCOL_VERSION } from '../../version.js';
import type { Row } from '../../entities/index.js';
import type { PluginModule } from '../types.js';
import type { Kong } from '../pdk/types.js';
import { bool, str } from '../schema/types.js';
import { authenticateAnonymous, consumerIdOf, indexCredentials, setConsumer } from '../auth-common.js';
import { decodeBase64 } from './base64.js';

interface Conf {
  anonymous: string | null;
  hide_credentials: boolean;
  realm: string;
  /** Precomputed WWW-Authenticate value. */
  challenge: string;
}

interface Given {
  username: string;
  password: Buffer;
}

// Unanchored and first match, as Kong's ngx.re.gmatch: "Basic" may follow other text.
const BASIC = /[Bb]asic\s*(.+)/;
const COLON = 0x3a;
const NEWLINE = 0x0a;

/**
 * Kong matches `([^:]+):(.*)` on the decoded bytes: the username is the first run of non-colons
 * that a colon follows (leading colons are skipped), the password the rest of that line.
 */
function splitUserPass(decoded: Buffer): Given | null {
  let start = 0;
  while (start < decoded.length && decoded[start] === COLON) start++;
  const colon = decoded.indexOf(COLON, start);
  if (start >= decoded.length || colon === -1) return null;
  const nl = decoded.indexOf(NEWLINE, colon + 1);
  const userBytes = decoded.subarray(start, colon);
  const username = userBytes.toString('utf8');
  // Bytes that are not UTF-8 cannot name any stored credential; never let a lossy decoding match one.
  if (!Buffer.from(username, 'utf8').equals(userBytes)) return null;
  return { username, password: decoded.subarray(colon + 1, nl === -1 ? decoded.length : nl) };
}

/** One header's credentials; with hide_credentials the header goes whether or not it parsed. */
function retrieve(kong: Kong, conf: Conf, name: string, value: string | undefined): Given | null {
  let given: Given | null = null;
  if (value !== undefined) {
    const m = BASIC.exec(value);
    // Node hands header values over as latin1: one char per byte, so the base64 text is intact.
    const decoded = m ? decodeBase64(m[1]!) : null;
    if (decoded) {
      given = splitUserPass(decoded);
      if (!given) kong.log.err('header has unrecognized format');
    }
  }
  if (conf.hide_credentials) kong.service.request.clearHeader(name);
  return given;
}

function passwordMatches(cred: Row, consumerId: string, password: Buffer): boolean {
  const stored = cred.password;
  if (typeof stored !== 'string') return false;
  const digest = createHash('sha1').update(password).update(consumerId, 'utf8').digest('hex');
  return stored.length === digest.length && timingSafeEqual(Buffer.from(stored), Buffer.from(digest));
}

/** True when authenticated; false when Kong answers 401. */
function authenticate(kong: Kong, conf: Conf): boolean {
  const creds = kong.data as Map<string, Row>;
  const authorization = kong.request.getHeader('authorization');
  const proxyAuthorization = kong.request.getHeader('proxy-authorization');
  if (authorization === undefined && proxyAuthorization === undefined) return false;

  let given = retrieve(kong, conf, 'proxy-authorization', proxyAuthorization);
  let cred = given ? creds.get(given.username) : undefined;
  if (!cred) {
    given = retrieve(kong, conf, 'authorization', authorization);
    if (!given) return false;
    cred = creds.get(given.username);
  }
  const consumerId = cred ? consumerIdOf(cred) : null;
  if (!cred || !consumerId || !passwordMatches(cred, consumerId, given!.password)) return false;
  const consumer = kong.client.loadConsumer(consumerId);
  if (!consumer) return false;
  setConsumer(kong, consumer, cred);
  // basic-auth identifies the credential by its username, not its id.
  kong.service.request.setHeader('X-Credential-Identifier', String(cred.username));
  return true;
}

export const basicAuth: PluginModule<Conf, Map<string, Row>> = {
  name: 'basic-auth',
  version: KONG_PROTOCOL_VERSION,
  priority: 1100,
  schema: {
    noConsumer: true,
    fields: [
      ['anonymous', str()],
      ['hide_credentials', bool({ required: true, default: false })],
      ['realm', str({ required: true, default: 'service' })],
    ],
  },
  compile: (config) => {
    const c = config as unknown as Conf;
    return { ...c, challenge: `Basic realm="${c.realm}"` };
  },
  prepare: (table) => indexCredentials(table.basicauth_credentials, 'username'),
  access(kong, conf) {
    // Already authenticated by another plugin with anonymous set: a logical OR of auth plugins.
    if (conf.anonymous && kong.client.getCredential()) return;
    if (authenticate(kong, conf)) return;
    if (conf.anonymous) {
      authenticateAnonymous(kong, conf.anonymous);
      return;
    }
    kong.response.error(401, 'Unauthorized', { 'WWW-Authenticate': conf.challenge });
  },
};
