// request-size-limiting (Kong 3.10 kong/plugins/request-size-limiting): refuses request bodies
// larger than allowed_payload_size, by Content-Length or, without one, by reading the body.
import { KONG_PROTOCOL_VERSION } from '../../version.js';
import type { PluginModule } from '../types.js';
import type { Kong } from '../pdk/types.js';
import { bool, int, str } from '../schema/types.js';
import { BodyTooLarge, MAX_PLUGIN_BODY } from '../runtime/body.js';

// Binary units, as Kong multiplies them.
const FACTOR = { megabytes: 1048576, kilobytes: 1024, bytes: 1 } as const;

interface Conf {
  allowedBytes: number;
  requireContentLength: boolean;
}

function tooLarge(kong: Kong): void {
  const expect = kong.request.getHeader('expect');
  kong.response.error(expect !== undefined && expect.trim().toLowerCase() === '100-continue' ? 417 : 413, 'Request size limit exceeded');
}

async function checkBody(kong: Kong, conf: Conf): Promise<void> {
  // The body is held in memory to go upstream: past the runtime's buffer the request is refused
  // (413) even when the configured limit is higher, rather than streamed unchecked.
  const body = await kong.request.getRawBodyWithin(Math.min(conf.allowedBytes, MAX_PLUGIN_BODY));
  if (body !== null) {
    if (body.length > conf.allowedBytes) tooLarge(kong);
    return;
  }
  if (conf.allowedBytes > MAX_PLUGIN_BODY) throw new BodyTooLarge(`request body larger than ${MAX_PLUGIN_BODY} bytes`);
  tooLarge(kong);
}

export const requestSizeLimiting: PluginModule<Conf> = {
  name: 'request-size-limiting',
  version: KONG_PROTOCOL_VERSION,
  priority: 951,
  schema: {
    fields: [
      ['allowed_payload_size', int({ default: 128 })],
      ['size_unit', str({ required: true, default: 'megabytes', one_of: ['megabytes', 'kilobytes', 'bytes'] })],
      ['require_content_length', bool({ required: true, default: false })],
    ],
  },
  compile(config) {
    // Kong would fail every request on a null size (nil arithmetic): the same 500, decided once.
    const size = typeof config.allowed_payload_size === 'number' ? config.allowed_payload_size : NaN;
    return { allowedBytes: size * FACTOR[config.size_unit as keyof typeof FACTOR], requireContentLength: config.require_content_length === true };
  },
  access(kong, conf) {
    if (Number.isNaN(conf.allowedBytes)) throw new Error('allowed_payload_size is not set');
    const cl = kong.request.getHeader('content-length');
    if (cl !== undefined && cl.trim() !== '' && Number.isFinite(Number(cl))) {
      if (Number(cl) > conf.allowedBytes) tooLarge(kong);
      return;
    }
    if (conf.requireContentLength && kong.request.getHeaders()['transfer-encoding'] !== 'chunked') {
      kong.response.error(411, 'A valid Content-Length header is required');
      return;
    }
    return checkBody(kong, conf);
  },
};
