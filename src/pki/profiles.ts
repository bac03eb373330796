// What each kind of certificate looks like, stated once: basicConstraints, keyUsage, EKU.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { EKU } from './oids.js';

export type Role = 'cp' | 'dp';
export type Profile = 'root' | 'intermediate' | Role | 'shared';

export interface ProfileSpec {
  ca: boolean;
  keyUsage: number | undefined;
  eku: string[] | undefined;
}

const CA_USAGE = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;

export const PROFILES: Record<Profile, ProfileSpec> = {
  root: { ca: true, keyUsage: CA_USAGE, eku: undefined },
  intermediate: { ca: true, keyUsage: CA_USAGE, eku: undefined },
  // A CP presents its certificate as a TLS server only, a DP as a TLS client only.
  cp: { ca: false, keyUsage: x509.KeyUsageFlags.digitalSignature, eku: [EKU.serverAuth] },
  dp: { ca: false, keyUsage: x509.KeyUsageFlags.digitalSignature, eku: [EKU.clientAuth] },
  // Kong's gen_cert certificate carries no extensions at all; hybridctl adds only the SAN so
  // that modern TLS clients, which ignore the CN, still match the name kong_clustering.
  shared: { ca: false, keyUsage: undefined, eku: undefined },
};

/** The EKU a role's leaf must carry to be accepted by its peer. */
export const ROLE_EKU: Record<Role, string> = { cp: EKU.serverAuth, dp: EKU.clientAuth };

export const SHARED_CN = 'kong_clustering';
