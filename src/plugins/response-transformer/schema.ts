// response-transformer's config schema (Kong 3.10 kong/plugins/response-transformer/schema.lua).
import type { PluginSchema } from '../schema/types.js';
import { arr, record, str } from '../schema/types.js';
import { splitEntry } from '../request-transformer/schema.js';

/** kong.tools.http.validate_header_name. */
const VALID_HEADER = /^[a-zA-Z0-9_-]+$/;

function renamePair(entry: string): string | null {
  const { name, value } = splitEntry(entry);
  if (!VALID_HEADER.test(name)) return `'${name}' is not a valid header`;
  if (!VALID_HEADER.test(value)) return `'${value}' is not a valid header`;
  return null;
}

const COLON = /^[^:]+:.*$/;
const strings = arr(str(), { required: true, default: [] });
const colonStrings = arr(str({ match: COLON }), { required: true, default: [] });
const jsonTypes = arr(str({ one_of: ['boolean', 'number', 'string'] }), { required: true, default: [] });
const colonRecord = () => record([['json', colonStrings], ['json_types', jsonTypes], ['headers', colonStrings]]);

export const schema: PluginSchema = {
  protocols: ['grpc', 'grpcs', 'http', 'https'],
  fields: [
    ['remove', record([['json', strings], ['headers', strings]])],
    ['rename', record([['json', colonStrings], ['headers', arr(str({ match: COLON, check: renamePair }), { required: true, default: [] })]])],
    ['replace', colonRecord()],
    ['add', colonRecord()],
    ['append', colonRecord()],
  ],
};
