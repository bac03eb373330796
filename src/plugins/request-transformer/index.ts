// request-transformer (Kong 3.10 kong/plugins/request-transformer): rewrites the upstream request's
// uri, method, headers, body and query string, with `$(...)` value templates.
import { KONG_PROTOCOL_VERSION } from '../../version.js';
import type { PluginModule } from '../types.js';
import { schema } from './schema.js';
import { access, compile, type Conf } from './handler.js';

export const requestTransformer: PluginModule<Conf> = {
  name: 'request-transformer',
  version: KONG_PROTOCOL_VERSION,
  priority: 801,
  schema,
  compile,
  access,
};
