// A row of Kong's clustering_data_planes: what the control plane knows about each data plane.
export interface DataPlaneRow {
  id: string;
  hostname: string;
  ip: string;
  /** Unix seconds. */
  last_seen: number;
  config_hash: string;
  version: string;
  sync_status: string;
  labels: Record<string, string>;
  cert_details: { expiry_timestamp: number };
  /** Kong's rpc_capabilities: what the DP offered on /v2/outlet (empty for v1-only DPs). */
  rpc_capabilities?: string[];
  created_at?: number;
  updated_at?: number;
  /** Seconds the row lives after last_seen (cluster_data_plane_purge_delay). */
  ttl?: number;
}
