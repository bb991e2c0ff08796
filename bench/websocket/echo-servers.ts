/**
 * The bench's server processes, one per contender, each printing `{"event":"listening","port"}`:
 *   node --import tsx bench/websocket/echo-servers.ts ws        # bare `ws` echo (also the gateway's upstream)
 *   node --import tsx bench/websocket/echo-servers.ts socketio  # socket.io@4, connection state recovery on
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { WebSocketServer } from 'ws';

const kind = process.argv[2];
const server = http.createServer((req, res) => res.writeHead(req.url === '/healthz' ? 200 : 404).end());

if (kind === 'ws') {
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    ws.on('message', (data, binary) => ws.send(data, { binary }));
  });
} else if (kind === 'socketio') {
  const io = new Server(server, {
    transports: ['websocket'],
    perMessageDeflate: false,
    connectionStateRecovery: { maxDisconnectionDuration: 120_000, skipMiddlewares: true },
  });
  io.on('connection', (socket) => {
    socket.on('m', (data: string) => socket.emit('m', data));
  });
} else {
  process.stderr.write('usage: echo-servers.ts ws|socketio\n');
  process.exit(2);
}

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ event: 'listening', port: (server.address() as AddressInfo).port })}\n`,
  );
});
process.on('SIGTERM', () => process.exit(0));
