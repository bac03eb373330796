// The plugins hybridctl runs (its `bundled` set). A plugin missing here cannot be enabled, so the
// control plane refuses to configure it and a data plane refuses configs that name it.
import type { PluginModule } from './types.js';
import { keyAuth } from './key-auth/index.js';
import { rateLimiting } from './rate-limiting/index.js';

export const BUNDLED: readonly PluginModule[] = [keyAuth, rateLimiting];

export const bundledByName = (name: string): PluginModule | undefined => BUNDLED.find((m) => m.name === name);
