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
