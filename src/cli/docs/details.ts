// The longer text of each command's man page and help: what it does in a paragraph or two, the
// files it reads and writes, the signals a daemon handles. Keyed by the command's words.
import type { CommandDoc } from '../program-docs.js';

type Details = Pick<CommandDoc, 'details' | 'files' | 'signals'>;

const CONF_FILES: [string, string][] = [
  ['/etc/kong/kong.conf, /etc/kong.conf', 'the kong.conf read when -c/--conf is not given (first found)'],
];

const DAEMON_SIGNALS: [string, string][] = [
  ['SIGINT, SIGTERM', 'stop gracefully: close listeners, finish requests in flight, exit 0'],
];

export const DETAILS: Record<string, Details> = {
  '': {
    details: ['hybridctl makes the certificates of a Kong-style hybrid deployment, checks kong.conf the way Kong reads it, and runs a control plane and data planes that speak Kong\'s hybrid protocol v1 over mutual TLS. Each command has its own page.'],
  },
  'gen-cert': {
    details: [
      'Shared mode (the default) writes a self-signed EC P-384 pair with CN and DNS SAN kong_clustering, as kong hybrid gen_cert does. Pki mode writes a root CA, 0 to 3 intermediates, a CP certificate (serverAuth) and a DP certificate (clientAuth) with their keys; --profile issues one more certificate from an existing CA.',
      'Keys are created with mode 0600 from the first byte and all files are renamed into place together. Nothing is written when an output exists (without --force), is a directory, names the same file twice or would replace an input, or when --days would end after 9999-12-31.',
    ],
    files: [['./cluster.crt, ./cluster.key', 'shared mode outputs when no paths are given'], ['DIR/ca.crt … DIR/chain.crt', 'pki mode outputs under --out-dir']],
  },
  'verify-chain': {
    details: ['Builds the path from the presented certificate to an anchor in --ca whatever the order of the bundle, then reports every problem with a stable code (listed below), as the other side of the cluster connection would judge it.'],
  },
  'inspect-cert': { details: ['Prints subject, issuer, SANs, key usages, key type, validity and fingerprints of each certificate in a PEM file.'] },
  lint: {
    details: ['Reads kong.conf as Kong does (comments, escapes, empty values, Kong\'s defaults, KONG_* overrides) and reports every finding with its key, line and rule: Kong\'s own checks in Kong\'s words, and the hybrid mistakes Kong lets through. The rules are listed below.'],
    files: CONF_FILES,
  },
  'init dp': {
    details: ['Writes what a new data plane node needs into --out-dir: its certificate (issued from a CA, or copied), the CA or shared pair, and a kong.conf, then prints the command that starts it. Asks for what is missing on a terminal; each answer is checked as it is given.'],
    files: [['./kong-dp/kong.conf', 'the node configuration (--out-dir changes the directory)']],
  },
  init: { details: ['Prepares a new node; see hybridctl-init-dp(1).'] },
  demo: { details: ['Starts a PKI, a control plane and two data planes on this machine, syncs a route and sends traffic through both data planes, then stops everything.'] },
  cp: { details: ['The control plane daemon; see hybridctl-cp-run(1).'] },
  dp: { details: ['The data plane daemon; see hybridctl-dp-run(1).'] },
  'cp run': {
    details: [
      'Serves the Admin API (admin_listen), keeps the configuration in an embedded LMDB store under the prefix, and accepts data planes on cluster_listen over mutual TLS (cluster_mtls shared or pki), pushing every change to each of them.',
      'Every kong.conf property is also a flag: --cluster-listen 0.0.0.0:8005 sets cluster_listen. Precedence: Kong\'s defaults < kong.conf < KONG_* < flags.',
    ],
    files: [...CONF_FILES, ['PREFIX/cp-store', 'the configuration store'], ['$HYBRIDCTL_WORK_DIR/cluster.crt, cluster.key', 'the shared pair generated when no cluster_cert is set']],
    signals: DAEMON_SIGNALS,
  },
  'dp run': {
    details: [
      'Connects to the control plane at cluster_control_plane (directly or through proxy_server), applies each configuration it receives and proxies traffic on proxy_listen with it. Without a control plane it serves the cached or declarative configuration.',
      'Every kong.conf property is also a flag: --proxy-listen 0.0.0.0:8000 sets proxy_listen. Precedence: Kong\'s defaults < kong.conf < KONG_* < flags.',
    ],
    files: [...CONF_FILES, ['PREFIX/dbless.lmdb', 'the last configuration received, served at the next start'], ['PREFIX/ssl/kong-default.crt', 'the proxy certificate generated when ssl_cert is not set']],
    signals: DAEMON_SIGNALS,
  },
  doctor: {
    details: ["Walks a data plane's path to its control plane one step at a time (configuration, own certificate, DNS, TCP or forward proxy CONNECT, TLS, the CP certificate, WebSocket upgrade, first configuration) and stops at the first broken step with its fix."],
    files: CONF_FILES,
  },
  completion: { details: ['Prints the completion script for the shell; it completes commands, flags, kong.conf properties as daemon flags, fixed values and file names.'] },
  man: { details: ['Prints a manual page in roff; pipe it to man -l -.'] },
};
