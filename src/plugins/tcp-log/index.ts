// tcp-log (Kong 3.10 kong/plugins/tcp-log): one JSON line per request over TCP (or TLS).
import { KONG_PROTOCOL_VERSION } from '../../version.js';
import type { PluginModule } from '../types.js';
import { bool, num, str } from '../schema/types.js';
import { customFieldsByLua, host, port } from '../log-shared/fields.js';
import { tcpSink, type TcpConf } from './sink.js';

export const tcpLog: PluginModule<TcpConf> = {
  name: 'tcp-log',
  version: KONG_PROTOCOL_VERSION,
  priority: 7,
  schema: {
    fields: [
      ['host', host({ required: true })],
      ['port', port({ required: true })],
      ['timeout', num({ default: 10000 })],
      ['keepalive', num({ default: 60000 })],
      ['tls', bool({ required: true, default: false })],
      ['tls_sni', str()],
      ['custom_fields_by_lua', customFieldsByLua],
    ],
  },
  log(kong, conf) {
    const log = kong.log.detached();
    tcpSink(conf, log).send(`${JSON.stringify(kong.log.serialize())}\n`, log);
  },
};
