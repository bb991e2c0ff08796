import { ProcessSupervisor } from '../../chaos/process/process-supervisor.js';
import type { ScenarioContext } from '../../runner/scenario.js';

/**
 * A tiny HTTP service for the demo scenarios, run as `node -e` so it needs no file on disk
 * (the same in src/ under tsx and in dist/). GET /health answers 200, anything else a small
 * JSON body with the pid, so a restarted process is visible.
 */
export const DEMO_SERVICE_SOURCE = `
const http = require('node:http');
const port = Number(process.env.PORT);
const server = http.createServer((req, res) => {
  const body = req.url === '/health' ? '{"ok":true}' : JSON.stringify({ ok: true, pid: process.pid });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 2000;
server.listen(port, '127.0.0.1', () => console.log('listening on ' + port));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

export interface DemoService {
  supervisor: ProcessSupervisor;
  port: number;
  url: string;
}

/** Spawns the demo service under a supervisor owned by the scenario (stopped on cleanup). */
export async function startDemoService(ctx: ScenarioContext, name: string): Promise<DemoService> {
  const supervisor = new ProcessSupervisor({ logger: ctx.logger });
  // Registered with the safety controller too, so an emergency stop (Ctrl+C) or the dead man's
  // switch (its time limit plus a margin) stops the service even if the scenario never returns.
  const handle = ctx.safety.register(
    {
      id: `processes:${ctx.scenarioId}`,
      kind: 'process',
      name: `processes of ${ctx.scenarioId}`,
      revert: () => supervisor.stopAll(1000),
    },
    { ttlMs: ctx.timeLimitMs + 15_000 },
  );
  ctx.onCleanup(() => handle.revert('completed'));
  const port = await ctx.freePort();
  const url = `http://127.0.0.1:${port}`;
  await supervisor.spawn({
    name,
    command: process.execPath,
    args: ['-e', DEMO_SERVICE_SOURCE],
    env: { PORT: String(port) },
    ready: { type: 'http', url: `${url}/health` },
    ready_timeout_ms: 10_000,
    kill_grace_ms: 1000,
  });
  return { supervisor, port, url };
}
