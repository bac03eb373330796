// The one reading of cluster_control_plane (--cp-address) that dp run, doctor, lint and init dp share.
import { describe, expect, it } from 'vitest';
import { parseClusterAddress, missingPortWarning } from '../../../src/conf/index.js';

describe('parseClusterAddress', () => {
  it.each([
    ['cp.example.com:8005', 'cp.example.com', 8005, true, 'cp.example.com:8005'],
    [' 10.0.0.5:8005 ', '10.0.0.5', 8005, true, '10.0.0.5:8005'],
    ['[::1]:8005', '::1', 8005, true, '[::1]:8005'],
    // Kong builds wss://HOST/v1/outlet: no port is the wss default, 443.
    ['127.0.0.1', '127.0.0.1', 443, false, '127.0.0.1:443'],
    ['[fd00::5]', 'fd00::5', 443, false, '[fd00::5]:443'],
  ])('%s → %s port %d', (raw, host, port, portGiven, hostPort) => {
    expect(parseClusterAddress(raw)).toEqual({ ok: true, address: { host, port, portGiven, hostPort } });
  });

  it.each([
    ['http://cp:8005', "cluster_control_plane: 'http://cp:8005' is not HOST:PORT: drop the http:// scheme (Kong adds wss:// itself)", 'write it as cp:8005'],
    ['wss://cp:8005/v1/outlet', "cluster_control_plane: 'wss://cp:8005/v1/outlet' is not HOST:PORT: drop the wss:// scheme (Kong adds wss:// itself)", 'write it as cp:8005'],
    ['cp:8005/x', "cluster_control_plane: 'cp:8005/x' is not HOST:PORT: drop the path (Kong adds /v1/outlet itself)", 'write it as cp:8005'],
    ['::1', "cluster_control_plane: '::1' is not HOST:PORT: an IPv6 address needs brackets", 'write it as [::1]:8005'],
    ['cp:99999', "cluster_control_plane: 'cp:99999' is not HOST:PORT: port 99999 is outside 1-65535", expect.any(String)],
    ['cp:', "cluster_control_plane: 'cp:' is not HOST:PORT: the port is empty", 'write it as cp:8005'],
    ['cp host:8005', "cluster_control_plane: 'cp host:8005' is not HOST:PORT: 'cp host' is not a host name or IP address", expect.any(String)],
    ['[cp]:8005', "cluster_control_plane: '[cp]:8005' is not HOST:PORT: 'cp' is not a host name or IP address", expect.any(String)],
  ])('refuses %s', (raw, message, hint) => {
    expect(parseClusterAddress(raw)).toEqual({ ok: false, message, hint });
  });

  it('words the missing-port warning once, naming the key and 443', () => {
    const r = parseClusterAddress('cp');
    if (!r.ok) throw new Error('expected ok');
    expect(missingPortWarning(r.address)).toBe("cluster_control_plane: 'cp' has no port: the data plane connects to 443 as Kong does, not to the CP cluster_listen port (8005 by default)");
  });
});
