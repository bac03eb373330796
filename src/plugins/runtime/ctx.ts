// kong.ctx for one request: `shared`, and `plugin`, the table of the plugin whose handler runs
// (kept across its phases). Each is made when first used: most plugins use neither.
import type { Instance } from './plan.js';

export class RequestCtx {
  /** The instance whose handler runs; null outside handlers. */
  current: Instance | null = null;
  private sharedTable: Record<string, unknown> | null = null;
  private tables: Map<Instance | null, Record<string, unknown>> | null = null;

  get shared(): Record<string, unknown> {
    return (this.sharedTable ??= {});
  }

  get plugin(): Record<string, unknown> {
    let t = this.tables?.get(this.current);
    if (!t) (this.tables ??= new Map()).set(this.current, (t = {}));
    return t;
  }
}
