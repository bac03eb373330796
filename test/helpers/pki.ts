// Builds certificate chains in memory with hybridctl's own generator, for unit tests of the rules.
import { issue, type Issued, type Issuer } from '../../src/pki/generate.js';
import type { KeySpec } from '../../src/pki/keys.js';
import type { Profile } from '../../src/pki/profiles.js';

export const NOW = new Date('2026-06-01T00:00:00Z');
const EC: KeySpec = { type: 'ec', curve: 'P-256' };

export function asIssuer(i: Issued, chain: Issuer['chain'] = []): Issuer {
  return { cert: i.cert, key: i.key, chain };
}

export async function root(name = 'Test Root', opts: { days?: number; notBefore?: Date } = {}): Promise<Issued> {
  return issue({ profile: 'root', subject: `CN=${name}`, notBefore: opts.notBefore ?? NOW, days: opts.days ?? 3650, keySpec: EC });
}

export async function child(
  parent: Issued,
  profile: Profile,
  name: string,
  opts: { pathLen?: number; days?: number; notBefore?: Date; dnsNames?: string[]; keySpec?: KeySpec } = {},
): Promise<Issued> {
  return issue({
    profile,
    subject: `CN=${name}`,
    dnsNames: opts.dnsNames,
    notBefore: opts.notBefore ?? NOW,
    days: opts.days ?? 365,
    pathLen: opts.pathLen,
    keySpec: opts.keySpec ?? EC,
    issuer: asIssuer(parent),
  });
}

/** root → n intermediates (pathlen left open) → leaf of the given role; returns all, root first. */
export async function chainOf(n: number, role: 'cp' | 'dp' = 'dp'): Promise<{ root: Issued; inters: Issued[]; leaf: Issued }> {
  const r = await root();
  const inters: Issued[] = [];
  let parent = r;
  for (let i = 1; i <= n; i++) {
    parent = await child(parent, 'intermediate', `Inter ${i}`);
    inters.push(parent);
  }
  const leaf = await child(parent, role, role === 'cp' ? 'cp.test' : 'dp-1', { dnsNames: role === 'cp' ? ['cp.test'] : undefined });
  return { root: r, inters, leaf };
}
