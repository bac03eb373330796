// One thing wrong (or worth knowing) about a configuration, as lint and the daemons report it.
export interface Finding {
  severity: 'error' | 'warning';
  key: string;
  /** Line in the conf file; null for values from defaults, KONG_* env or flags. */
  line: number | null;
  rule: string;
  message: string;
  /** How to fix it, when the message alone does not say. */
  hint?: string;
}

/**
 * A finding as one line after its location. Kong's own wording often starts with the key
 * ("cluster_cert: failed loading certificate from …"); the location already names the key, so the
 * message is not allowed to repeat it.
 */
export function findingText(f: Pick<Finding, 'key' | 'message'>): string {
  return f.message.startsWith(`${f.key}: `) ? f.message.slice(f.key.length + 2) : f.message;
}

/** A message whose subject is its key ("status_listen must be of form …") names it already. */
export function namesItsKey(f: Pick<Finding, 'key' | 'message'>): boolean {
  return f.message.startsWith(`${f.key} `);
}

/** `key (line N): message`, for error details outside lint's own table (daemons, doctor). */
export function findingLine(f: Pick<Finding, 'key' | 'line' | 'message' | 'hint'>, withHint = true): string {
  const line = f.line !== null ? ` (line ${f.line})` : '';
  const text = namesItsKey(f) ? `${f.message}${line}` : `${f.key}${line}: ${findingText(f)}`;
  return `${text}${withHint && f.hint ? ` — ${f.hint}` : ''}`;
}
