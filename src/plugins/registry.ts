// The plugins hybridctl runs (its `bundled` set). A plugin missing here cannot be enabled, so the
// control plane refuses to configure it and a data plane refuses configs that name it.
import type { PluginModule } from './types.js';
import { keyAuth } from './key-auth/index.js';
import { rateLimiting } from './rate-limiting/index.js';
import { jwt } from './jwt/index.js';
import { botDetection } from './bot-detection/index.js';
import { basicAuth } from './basic-auth/index.js';
import { acl } from './acl/index.js';
import { hmacAuth } from './hmac-auth/index.js';
import { cors } from './cors/index.js';
import { ipRestriction } from './ip-restriction/index.js';
import { requestSizeLimiting } from './request-size-limiting/index.js';
import { requestTermination } from './request-termination/index.js';
import { correlationId } from './correlation-id/index.js';
import { requestTransformer } from './request-transformer/index.js';
import { responseTransformer } from './response-transformer/index.js';
import { proxyCache } from './proxy-cache/index.js';
import { prometheus } from './prometheus/index.js';
import { httpLog } from './http-log/index.js';
import { fileLog } from './file-log/index.js';
import { udpLog } from './udp-log/index.js';
import { tcpLog } from './tcp-log/index.js';
import { syslog } from './syslog/index.js';

// In Kong's order of priority, highest first.
export const BUNDLED: readonly PluginModule[] = [
  correlationId, botDetection, cors, jwt, keyAuth, basicAuth, hmacAuth, ipRestriction, requestSizeLimiting, acl, rateLimiting,
  requestTransformer, responseTransformer, proxyCache, prometheus, httpLog, fileLog, udpLog, tcpLog, syslog, requestTermination,
];

export const bundledByName = (name: string): PluginModule | undefined => BUNDLED.find((m) => m.name === name);
