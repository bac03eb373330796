// What the log serializer needs from the proxy's side of one request besides measure()'s numbers,
// recorded only when a plugin with a log handler runs on it (nginx's $upstream_status, $upstream_uri).
export class LogTrace {
  /** $upstream_status: the upstream's own status, or Kong's 502/504 when the upstream failed. */
  upstreamStatus: number | null = null;
  /** $upstream_uri, with its query. */
  upstreamUri = '';
}
