// udp-log (Kong 3.10 kong/plugins/udp-log): one datagram per request, the serialized log as JSON.
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { KONG_PROTOCOL_VERSION } from '../../version.js';
import type { PluginModule } from '../types.js';
import { num } from '../schema/types.js';
import { customFieldsByLua, host, port } from '../log-shared/fields.js';
import { describeError } from '../log-shared/errno.js';

interface Conf {
  host: string;
  port: number;
  timeout: number;
}

// One unbound socket per address family in this worker; Kong opens one per message.
const sockets: { udp4?: Socket; udp6?: Socket } = {};

function socketFor(host: string): Socket {
  const type = isIPv6(host.replace(/^\[|\]$/g, '')) ? 'udp6' : 'udp4';
  let s = sockets[type];
  if (!s) {
    s = createSocket(type);
    // Errors come back through each send's callback; this keeps a stray one from ending the worker.
    s.on('error', () => undefined);
    s.unref();
    sockets[type] = s;
  }
  return s;
}

export const udpLog: PluginModule<Conf> = {
  name: 'udp-log',
  version: KONG_PROTOCOL_VERSION,
  priority: 8,
  schema: {
    fields: [
      ['host', host({ required: true })],
      ['port', port({ required: true })],
      ['timeout', num({ default: 10000 })],
      ['custom_fields_by_lua', customFieldsByLua],
    ],
  },
  log(kong, conf) {
    const log = kong.log.detached();
    const msg = JSON.stringify(kong.log.serialize());
    const host = conf.host.replace(/^\[|\]$/g, '');
    socketFor(host).send(msg, conf.port, host, (err) => {
      if (err) log.err(`could not send data to ${conf.host}:${conf.port}: ${describeError(err)}`);
    });
  },
};
