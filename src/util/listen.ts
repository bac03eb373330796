// Binding a server: resolves once listening (port 0 resolved), rejects with the bind error.
import type { Server } from 'node:net';
import type { AddressInfo } from 'node:net';

export async function listenOn(server: Server, at: { host: string; port: number }): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}
