// What a plugin is: Kong's handler (name, VERSION, PRIORITY, one function per phase) plus its
// config schema. Handlers get the PDK (`kong`) and their instance's config, as in Kong.
import type { ConfigTable } from '../proxy/config.js';
import type { Kong } from './pdk/types.js';
import type { PluginSchema } from './schema/types.js';

export type Phase = 'rewrite' | 'access' | 'header_filter' | 'body_filter' | 'log';
export const RESPONSE_PHASES: readonly Phase[] = ['header_filter', 'body_filter', 'log'];

/** What an asynchronous handler returns: a promise, or a thenable that calls one of its callbacks once. */
export interface Settles {
  then(onOk: () => void, onErr: (err: unknown) => void): unknown;
}
/** A phase handler; access and rewrite may return a promise (reading the body, shared counters). */
export type Handler<C> = (kong: Kong, conf: C) => void | Promise<void> | Settles;

export interface PluginModule<C = any, D = any> {
  name: string;
  /** Kong's handler VERSION: what the data plane reports in basic_info. */
  version: string;
  /** Kong's PRIORITY: higher runs first in every phase. */
  priority: number;
  schema: PluginSchema;
  /**
   * Per config swap: the validated config turned into what the handler reads (compiled CIDRs,
   * regexes). Runs once per plugin instance, never per request.
   */
  compile?(config: Record<string, unknown>, ctx: { id: string; route: string | null; service: string | null; consumer: string | null }): C;
  /** Per config swap: indexes this plugin reads from the config (credentials by key). */
  prepare?(table: ConfigTable): D;
  /**
   * Control plane only: checks that need the deployment (Kong's custom validators that read
   * kong.configuration, e.g. rate-limiting's cluster policy in hybrid mode).
   */
  checkDeployment?(config: Record<string, unknown>, deployment: { role: 'control_plane' | 'data_plane' }): string | null;
  /** Does this plugin buffer the whole response body (body_filter)? */
  rewrite?: Handler<C>;
  access?: Handler<C>;
  header_filter?: (kong: Kong, conf: C) => void;
  body_filter?: (kong: Kong, conf: C) => void;
  log?: (kong: Kong, conf: C) => void;
}
