import type WebSocket from 'ws';

/**
 * Ping/pong liveness for many sockets on one timer: each tick, a socket that has not answered the
 * previous tick's ping is terminated (a dead peer is found within 2 × interval), the others are
 * pinged. `onTick` runs on each tick too (the sessions refresh their TTL there).
 */
export class Heartbeat {
  deadPeers = 0;
  private readonly awaiting = new Set<WebSocket>();
  private readonly sockets = new Set<WebSocket>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly onTick: () => void = () => {},
  ) {}

  add(ws: WebSocket): void {
    if (this.intervalMs === 0) return;
    this.sockets.add(ws);
    const awaiting = this.awaiting;
    ws.on('pong', () => awaiting.delete(ws));
  }

  delete(ws: WebSocket): void {
    this.sockets.delete(ws);
    this.awaiting.delete(ws);
  }

  start(): void {
    if (this.intervalMs === 0 || this.timer) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    for (const ws of this.sockets) {
      if (this.awaiting.has(ws)) {
        this.deadPeers++;
        this.delete(ws);
        ws.terminate();
        continue;
      }
      this.awaiting.add(ws);
      ws.ping();
    }
    this.onTick();
  }
}
