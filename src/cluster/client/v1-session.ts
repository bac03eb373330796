// One /v1/outlet connection from the data plane: basic_info, pings carrying the current hash,
// and each reconfigure applied once (Kong's data_plane.lua communicate()).
import WebSocket from 'ws';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import { decodeReconfigure, encodeBasicInfo, encodePing } from '../protocol/messages.js';
import { capped, configHashProblem, type SessionEnv } from './session.js';
import { onHttpAnswer } from './transport.js';

export function runV1Session(ws: WebSocket, env: SessionEnv): void {
  const { o, log } = env;
  let connected = false;
  let lastSeen = Date.now();
  let pinger: NodeJS.Timeout | null = null;
  let watchdog: NodeJS.Timeout | null = null;
  let quiet: NodeJS.Timeout | null = null;
  let applying = Promise.resolve();
  const ping = () => {
    if (ws.readyState === WebSocket.OPEN) ws.ping(encodePing(o.currentHash()));
  };

  ws.on('open', () => {
    connected = true;
    env.onConnected({ sync: 'v1' });
    ws.send(encodeBasicInfo({ plugins: o.plugins ?? [], labels: o.labels }), { binary: true });
    ping();
    pinger = setInterval(ping, env.pingMs);
    // A v1 CP that will not send this DP its config says nothing on the wire; say it here.
    quiet = setTimeout(() => {
      log.warn('connected, but the control plane has sent no configuration: it may refuse this data plane (a configured plugin missing here, or a plugin version it does not accept); see sync_status in its /clustering/data-planes', {
        plugins: (o.plugins ?? []).map((p) => p.name).join(',') || 'none',
      });
    }, o.timers?.firstConfigMs ?? 15_000);
    quiet.unref();
    watchdog = setInterval(() => {
      if (Date.now() - lastSeen > env.silenceMs) {
        env.report({ permanent: false, message: `no data from the control plane for ${Math.round(env.silenceMs / 1000)} s; reconnecting` });
        ws.terminate();
      }
    }, Math.min(1000, env.silenceMs / 3));
  });
  ws.on('pong', () => (lastSeen = Date.now()));
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    lastSeen = Date.now();
    if (quiet) clearTimeout(quiet);
    if (!isBinary) {
      log.warn('ignoring a text frame from the control plane (v1 sends configurations as binary frames)');
      return;
    }
    applying = applying.then(() => applyFrame(data, env, log, ping));
  });
  onHttpAnswer(ws, (status, body) => env.reportError(Object.assign(new Error(`the control plane answered HTTP ${status}${body ? `: ${body}` : ''}`), { status })));
  ws.on('error', (err) => {
    if (!env.pinMismatch()) env.reportError(err);
  });
  ws.on('close', (code, reason) => {
    if (pinger) clearInterval(pinger);
    if (watchdog) clearInterval(watchdog);
    if (quiet) clearTimeout(quiet);
    env.onClosed(connected, code, reason.toString());
  });
}

async function applyFrame(data: Buffer, env: SessionEnv, log: Logger, ping: () => void): Promise<void> {
  const o = env.o;
  try {
    // No copy: a 100k-route frame is ~10 MiB, and ws's buffer is held only until it is decoded.
    const msg = await decodeReconfigure(data, { maxInflated: env.maxInflated });
    const badHash = configHashProblem(msg.config_hash);
    if (badHash) throw new Error(badHash);
    if (msg.config_hash === o.currentHash()) {
      log.debug('configuration unchanged, skipping', { config_hash: msg.config_hash });
      return;
    }
    const started = Date.now();
    await o.apply(msg.config_table, msg.config_hash);
    log.info('configuration applied', { config_hash: msg.config_hash, ms: Date.now() - started });
    ping();
  } catch (err) {
    log.error('rejected a configuration from the control plane; the previous one keeps serving', { error: capped(errorMessage(err)) });
  }
}
