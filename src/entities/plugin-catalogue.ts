// What the entity layer needs to know about plugins, without knowing the plugins: the node's
// enabled set checks a plugin row (name enabled, config against the plugin's schema, defaults).
import type { FieldErrors, Row } from './validate.js';

export interface PluginCatalogue {
  /** Kong's plugin checks on a plugins row; `config` comes back with the plugin's defaults filled. */
  check(row: Row): { config: Row; errors: FieldErrors | null };
}
