// file-log (Kong 3.10 kong/plugins/file-log): one JSON line per request, appended to a file.
import { KONG_PROTOCOL_VERSION } from '../../version.js';
import type { PluginModule } from '../types.js';
import { bool, str } from '../schema/types.js';
import { customFieldsByLua } from '../log-shared/fields.js';
import { fileSink } from './sink.js';

interface Conf {
  path: string;
  reopen: boolean;
}

export const fileLog: PluginModule<Conf> = {
  name: 'file-log',
  version: KONG_PROTOCOL_VERSION,
  priority: 9,
  schema: {
    fields: [
      // Kong's Lua pattern ^[^%s*&%%\`][^*&%%\`]*[^%s*&%%\`]$ (the `\` in the set is a literal backslash).
      ['path', str({ required: true, match: /^[^\s*&%\\`][^*&%\\`]*[^\s*&%\\`]$/, matchMessage: 'not a valid filename' })],
      ['reopen', bool({ required: true, default: false })],
      ['custom_fields_by_lua', customFieldsByLua],
    ],
  },
  log(kong, conf) {
    fileSink(conf.path).append(`${JSON.stringify(kong.log.serialize())}\n`, conf.reopen, kong.log.detached());
  },
};
