// correlation-id (Kong 3.10 kong/plugins/correlation-id): gives each request an id header
// upstream (kept when the client sent one) and optionally echoes it on the response.
import { randomUUID } from 'node:crypto';
import { KONG_PROTOCOL_VERSION } from '../../version.js';
import type { PluginModule } from '../types.js';
import type { Kong } from '../pdk/types.js';
import { HEADER_NAME, bool, str } from '../schema/types.js';

interface Conf {
  header_name: string | null;
  generator: 'uuid' | 'uuid#counter' | 'tracker';
  echo_downstream: boolean;
}

// Kong makes these once per worker (init_worker); this process is one worker.
const workerUuid = randomUUID();
let workerCounter = 0;

const GENERATORS: Record<Conf['generator'], (kong: Kong) => string> = {
  uuid: () => randomUUID(),
  'uuid#counter': () => `${workerUuid}#${++workerCounter}`,
  tracker: (kong) => {
    const c = kong.request.getConnection();
    return `${c.serverAddr}-${kong.request.getPort()}-${process.pid}-${c.serial}-${c.requests}-${(Date.now() / 1000).toFixed(3)}`;
  },
};

/** Kong sends any string; Node cannot put a non-token name on the wire, so it is refused up front. */
function tokenName(v: string): string | null {
  return HEADER_NAME.test(v) ? null : `bad header name '${v}', expected an HTTP token (A-Z, a-z, 0-9 and !#$%&'*+.^_\`|~-)`;
}

function headerOf(conf: Conf): string {
  // Kong's get_header(nil) fails the request: the same 500 here.
  if (conf.header_name === null) throw new Error('header name must be a string (correlation-id header_name is null)');
  return conf.header_name;
}

export const correlationId: PluginModule<Conf> = {
  name: 'correlation-id',
  version: KONG_PROTOCOL_VERSION,
  priority: 100001,
  schema: {
    fields: [
      ['header_name', str({ default: 'Kong-Request-ID', check: tokenName })],
      ['generator', str({ required: true, default: 'uuid#counter', one_of: ['uuid', 'uuid#counter', 'tracker'] })],
      ['echo_downstream', bool({ required: true, default: false })],
    ],
  },
  access(kong, conf) {
    const name = headerOf(conf);
    let id = kong.request.getHeader(name);
    if (id === undefined || id === '') {
      id = GENERATORS[conf.generator](kong);
      kong.service.request.setHeader(name, id);
    }
    if (conf.echo_downstream) kong.ctx.plugin.correlation_id = id;
  },
  header_filter(kong, conf) {
    if (!conf.echo_downstream) return;
    const name = headerOf(conf);
    let id = (kong.ctx.plugin.correlation_id as string | undefined) ?? kong.request.getHeader(name);
    if (id === undefined || id === '') id = GENERATORS[conf.generator](kong);
    kong.response.setHeader(name, id);
  },
};
