// Proxy credentials Kong accepts but cuts in the wrong place: a password holding '@', '/' or a
// stray '%' is split into a wrong host or port, and the DP fails with a connection error that
// never mentions the password. Messages name the character, never the credentials.
import type { Rule } from '../rule.js';

export function credentialProblem(url: string): string | null {
  const m = /^https?:\/\/(.*)$/i.exec(url);
  if (!m) return null;
  const rest = m[1]!.split(/[?#]/)[0]!;
  const at = rest.lastIndexOf('@');
  if (at < 0) return null;
  const userinfo = rest.slice(0, at);
  if (userinfo.includes('@')) return "'@'";
  if (userinfo.includes('/')) return "'/'";
  if (/%(?![0-9a-f]{2})/i.test(userinfo)) return "'%' (not followed by two hex digits)";
  return null;
}

export const proxyCredentialsEncoding: Rule = {
  id: 'proxy-credentials-encoding',
  severity: 'error',
  keys: ['proxy_server'],
  source: 'hybridctl',
  check: ({ conf }) => {
    const ch = conf.proxy_server ? credentialProblem(conf.proxy_server) : null;
    return ch
      ? [{ message: `the proxy_server credentials contain an unencoded ${ch}: Kong splits the URL there and connects to the wrong host or port`, hint: 'percent-encode the user and password (@ → %40, / → %2F, % → %25, # → %23)' }]
      : [];
  },
};

export const proxyServerUnused: Rule = {
  id: 'proxy-server-unused',
  severity: 'warning',
  keys: ['proxy_server'],
  source: 'hybridctl',
  check: ({ conf }) =>
    conf.role === 'data_plane' && conf.proxy_server && !conf.cluster_use_proxy
      ? [{ message: 'proxy_server is set but cluster_use_proxy is off: the data plane connects to the control plane directly', hint: 'set cluster_use_proxy = on to go through the proxy' }]
      : [],
};
