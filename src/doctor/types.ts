// What doctor needs to know about a data plane, and what it reports per step.
export interface DoctorInput {
  cpAddress: string;
  mode: 'shared' | 'pki';
  certPem: string;
  keyPem: string;
  /** cluster_ca_cert (+ lua_ssl_trusted_certificate) contents, pki mode. */
  caPems: string[];
  serverName?: string;
  proxy: { url: string; sslVerify: boolean; caPems?: string[] } | null;
  nodeId: string;
  hostname: string;
  version: string;
  labels?: Record<string, string>;
  /** The plugins this data plane runs: a CP holds back configs naming others, so doctor must say the same. */
  plugins?: { name: string; version: string }[];
  timeoutMs: number;
  now: Date;
}

export interface StepResult {
  id: string;
  title: string;
  ok: boolean;
  /** What was found (also on success). */
  detail: string;
  /** The one change that fixes a failed step. */
  fix?: string;
  /** Steps not run because an earlier one failed. */
  skipped?: boolean;
}

export interface DoctorReport {
  ok: boolean;
  controlPlane: string;
  mode: 'shared' | 'pki';
  steps: StepResult[];
}
