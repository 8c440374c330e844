import type { Server } from 'node:http';
import type { Socket } from 'node:net';

interface SocketState {
  active: number;
  bytesReadAtLastSweep: number;
}

/**
 * Closes keep-alive connections during shutdown without dropping requests. Node's own
 * `closeIdleConnections` treats a socket as idle while its next request still sits unread in the
 * kernel buffer (as happens when a model run has held the event loop), and resets it. This
 * drainer closes a socket only when it has no request in progress and read nothing since the
 * previous sweep; sweeps run after the event loop's I/O phase, so pending bytes are seen first.
 */
export class ConnectionDrainer {
  private readonly sockets = new Map<Socket, SocketState>();
  private draining = false;
  private accepted = 0;

  constructor(server: Server) {
    server.on('connection', (socket: Socket) => {
      this.accepted += 1;
      this.sockets.set(socket, { active: 0, bytesReadAtLastSweep: -1 });
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Whether shutdown has begun (responses then carry `Connection: close`). */
  get isDraining(): boolean {
    return this.draining;
  }

  requestStarted(socket: Socket): void {
    const state = this.sockets.get(socket);
    if (state) state.active += 1;
  }

  requestFinished(socket: Socket): void {
    const state = this.sockets.get(socket);
    if (state) state.active = Math.max(0, state.active - 1);
  }

  /**
   * Whether a request is in flight on a live connection. Counted per socket: a request whose
   * client went away (so no response is ever sent) stops counting when its socket closes.
   */
  private anyInFlight(): boolean {
    for (const state of this.sockets.values()) if (state.active > 0) return true;
    return false;
  }

  /**
   * Wait until no request is in flight and no connection arrived during a full turn of the event
   * loop. Closing the listener earlier would reset connections still waiting in the kernel's
   * accept queue (a busy loop accepts them one turn at a time), although their requests were sent.
   */
  async waitUntilQuiet(turnMs = 20): Promise<void> {
    this.draining = true;
    for (;;) {
      const acceptedBefore = this.accepted;
      await new Promise((resolve) => setTimeout(resolve, turnMs));
      await new Promise((resolve) => setImmediate(resolve));
      if (!this.anyInFlight() && this.accepted === acceptedBefore) return;
    }
  }

  /** Sweep idle connections every `intervalMs` until none is left. */
  async drain(intervalMs = 50): Promise<void> {
    this.draining = true;
    while (this.sockets.size > 0) {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      await new Promise((resolve) => setImmediate(resolve)); // after the I/O phase: unread requests are now parsed
      for (const [socket, state] of this.sockets) {
        const quiet = socket.bytesRead === state.bytesReadAtLastSweep;
        state.bytesReadAtLastSweep = socket.bytesRead;
        if (state.active === 0 && quiet) socket.destroy();
      }
    }
  }
}
