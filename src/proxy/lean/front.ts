// The plain-HTTP listener's front: connections are accepted here and served by the lean path
// until a request needs node:http, which then gets the connection and the bytes already read
// (unshifted), and serves it from there exactly as if it had accepted it itself.
import { createServer, type Server, type Socket } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { LeanConnection, type LeanContext } from './connection.js';

export interface LeanFront {
  server: Server;
  /** Ends idle lean connections now; busy ones end after their response. */
  closeIdle(): void;
  /** Cuts every lean connection still open. */
  destroyAll(): void;
}

/** `ctx.handoff` is filled in here: it passes connections to `http`. */
export function leanFront(http: HttpServer, ctx: Omit<LeanContext, 'handoff'>): LeanFront {
  const conns = new Map<Socket, LeanConnection>();
  const full: LeanContext = {
    ...ctx,
    handoff(socket, bytes) {
      conns.delete(socket);
      // Paused until node:http has its listeners on: the unshifted bytes must reach its parser first.
      socket.pause();
      socket.unshift(bytes);
      http.emit('connection', socket);
      socket.resume();
    },
  };
  // allowHalfOpen as node:http's own listener has it, so a connection handed over behaves the same.
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    conns.set(socket, new LeanConnection(socket, full));
    socket.once('close', () => conns.delete(socket));
  });
  return {
    server,
    closeIdle() {
      for (const c of conns.values()) c.shutdown();
    },
    destroyAll() {
      for (const s of conns.keys()) s.destroy();
    },
  };
}
