// Turning connection failures into one line an operator can act on, and telling apart the ones that
// retrying will never fix (certificates, names, versions) from the ones it may (CP down, network).
import { errorMessage } from '../../errors.js';

export interface Explained {
  message: string;
  fix?: string;
  permanent: boolean;
}

export function explain(err: unknown, ctx: { servername: string; mode: 'shared' | 'pki' }): Explained {
  const msg = errorMessage(err);
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const status = (err as { status?: number }).status;
  if (/altnames|does not match certificate/i.test(msg) || code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return {
      permanent: true,
      message: `the control plane certificate is not valid for '${ctx.servername}' (${msg})`,
      fix: 'set cluster_server_name (--server-name) to a name in the CP certificate, or reissue it with that name (hybridctl gen-cert --profile cp --cp-hostname …)',
    };
  }
  if (/self.signed|unable to (get local issuer|verify)|certificate (chain|signature)|UNABLE_TO|SELF_SIGNED|CERT_UNTRUSTED/i.test(msg + code)) {
    return {
      permanent: true,
      message: `the control plane certificate is not trusted (${msg})`,
      fix: 'set cluster_ca_cert (--ca-cert-file) to the root CA the CP certificate chains to, and make the CP send its intermediates in cluster_cert',
    };
  }
  if (/certificate has expired|CERT_HAS_EXPIRED|not yet valid/i.test(msg + code)) {
    return { permanent: true, message: `the control plane certificate is outside its validity (${msg})`, fix: 'renew the control plane certificate' };
  }
  if (/40[17]|proxy authentication/i.test(msg)) {
    return { permanent: true, message: msg, fix: 'put the right user:password (percent-encoded) in proxy_server' };
  }
  if (status === 400) {
    return { permanent: true, message: msg, fix: 'the control plane refused the handshake parameters (node_id, node_version): check its log' };
  }
  if (status === 404) {
    return { permanent: true, message: msg, fix: 'cluster_control_plane points at something that is not a control plane cluster listener (cluster_listen, usually port 8005)' };
  }
  if (status !== undefined) return { permanent: false, message: msg };
  if (/wrong version number|packet length too long|unknown protocol/i.test(msg)) {
    return { permanent: true, message: `the peer at cluster_control_plane does not speak TLS (${msg})`, fix: 'point cluster_control_plane at the CP cluster_listen port, not the Admin API or proxy' };
  }
  if (/socket hang up|ECONNRESET|alert|handshake failure|certificate required|unknown ca|bad certificate/i.test(msg + code)) {
    return {
      permanent: false,
      message: `the control plane closed the connection during the handshake (${msg}); it probably refused this node's certificate`,
      fix: ctx.mode === 'shared' ? 'shared mode: cluster_cert must be the CP one' : 'pki: the DP certificate must chain to the CP cluster_ca_cert and carry clientAuth',
    };
  }
  if (code === 'ECONNREFUSED') return { permanent: false, message: `the control plane refused the connection (${msg}); it may be down` };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { permanent: false, message: `cannot resolve the control plane host (${msg})`, fix: 'check cluster_control_plane and DNS' };
  return { permanent: false, message: `connection to the control plane failed: ${msg}` };
}
