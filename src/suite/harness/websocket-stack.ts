import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { request } from 'undici';
import type { ExperimentInput } from '../../chaos/experiment/experiment-schema.js';
import type { Journal } from '../../chaos/experiment/journal.js';
import { runExperiment } from '../../chaos/experiment/run-experiment.js';
import type { ManagedProcess } from '../../chaos/process/managed-process.js';
import { ProcessSupervisor } from '../../chaos/process/process-supervisor.js';
import { type ProxyServer, startProxyServer } from '../../chaos/proxy/proxy-server.js';
import type { SafetyController } from '../../chaos/safety/safety-controller.js';
import type { ScenarioContext } from '../../runner/scenario.js';
import type { GatewayConfigInput } from '../../stack/gateway/gateway-config.js';
import type { WebSocketConfigInput } from '../../stack/websocket/websocket-config.js';
import type { WebSocketStats } from '../../stack/websocket/websocket-gateway.js';
import { listeningLine, listeningPattern } from '../../targets/listening-line.js';
import { nodeEntry, privateListenerEnv } from '../../targets/node-entry.js';
import { HarnessError } from './harness-errors.js';
import { safetyOf } from './run-on-stack.js';
import { Teardown } from './teardown.js';

export interface WebSocketStackOptions {
  /** Ticker upstream processes behind the gateway. @default 2 */
  upstreams?: number;
  /** The gateway's `websocket` key (the harness adds nothing to it). */
  websocket: WebSocketConfigInput;
  safety?: SafetyController;
  tmpDir: string;
  signal?: AbortSignal;
  logger?: Logger;
}

/**
 * The WebSocket reference stack: ticker upstream processes (`stack/websocket/ticker-upstream-main`),
 * one gateway process with a `websocket` key in front of them, and a fault proxy named `gateway` in
 * front of the gateway (clients connect through it, so connections can be reset or cut).
 */
export interface WebSocketStack {
  /** `ws://` through the fault proxy. */
  readonly url: string;
  /** `ws://` straight to the gateway. */
  readonly directUrl: string;
  readonly adminUrl: string;
  readonly gateway: ManagedProcess;
  readonly proxies: ProxyServer;
  /** The gateway's WebSocket counters (GET /admin/upstreams → `websocket`). */
  stats(): Promise<WebSocketStats>;
  /** The gateway process's resident memory, in bytes (from /proc). */
  gatewayRssBytes(): Promise<number>;
  close(): Promise<void>;
}

export async function startWebSocketStack(options: WebSocketStackOptions): Promise<WebSocketStack> {
  const teardown = new Teardown(options.safety);
  const supervisor = new ProcessSupervisor(options.logger ? { logger: options.logger } : {});
  teardown.add('supervisor', 'ws-stack-supervisor', () => supervisor.stopAll(1000));
  const track = (proc: ManagedProcess): void =>
    teardown.add(
      'process',
      proc.name,
      () => proc.close(1000),
      () => proc.pid,
    );
  const close = async (): Promise<void> => {
    const failed = await teardown.run();
    if (failed.length > 0) options.logger?.warn({ failed }, 'websocket stack teardown left errors');
  };
  try {
    options.signal?.throwIfAborted();
    const hosts: string[] = [];
    for (let i = 1; i <= (options.upstreams ?? 2); i++) {
      const entry = nodeEntry('stack/websocket/ticker-upstream-main');
      const proc = await supervisor.spawn({
        name: `ticker-${i}`,
        command: entry.command,
        args: entry.args,
        env: { PORT: '0', HOST: '127.0.0.1' },
        ready: { type: 'log', pattern: listeningPattern },
        ready_timeout_ms: 20_000,
        kill_grace_ms: 1000,
      });
      track(proc);
      hosts.push(`http://127.0.0.1:${listeningLine(proc).port}`);
    }
    const config: GatewayConfigInput = {
      listen: { host: '127.0.0.1', port: 0 },
      admin: { host: '127.0.0.1', port: 0 },
      clusters: {
        ws: {
          hosts: hosts.map((url) => ({ url })),
          balancer: 'least_request',
          health: { active: { path: '/healthz', intervalMs: 500 } },
        },
      },
      websocket: options.websocket,
    } as GatewayConfigInput;
    const configPath = join(options.tmpDir, 'ws-gateway.json');
    await writeFile(configPath, JSON.stringify(config, null, 2));
    const entry = nodeEntry('stack/gateway/main');
    const gateway = await supervisor.spawn({
      name: 'gateway',
      command: entry.command,
      env: privateListenerEnv,
      args: [...entry.args, '--config', configPath, '--log-level', 'warn'],
      ready: { type: 'log', pattern: listeningPattern },
      ready_timeout_ms: 20_000,
      kill_grace_ms: 2000,
    });
    track(gateway);
    const line = listeningLine(gateway);
    const adminUrl = `http://127.0.0.1:${line.admin_port}`;
    const proxies = await startProxyServer({
      port: 0,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    teardown.add('proxy-server', 'ws-stack-proxies', () => proxies.close());
    const proxy = await proxies.createProxy({
      name: 'gateway',
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${line.port}`,
    });
    const stats = async (): Promise<WebSocketStats> => {
      const res = await request(`${adminUrl}/admin/upstreams`, { signal: AbortSignal.timeout(5000) });
      const body = (await res.body.json()) as { websocket: WebSocketStats | null };
      if (!body.websocket) throw new HarnessError('the gateway has no websocket stats');
      return body.websocket;
    };
    return {
      url: `ws://${proxy.listen}/`,
      directUrl: `ws://127.0.0.1:${line.port}/`,
      adminUrl,
      gateway,
      proxies,
      stats,
      gatewayRssBytes: async () => {
        const status = await readFile(`/proc/${gateway.pid}/status`, 'utf8');
        return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Like `runOnReferenceStack`, for the WebSocket stack: start it, run the experiment, tear down. */
export async function runOnWebSocketStack(
  ctx: ScenarioContext,
  options: Omit<WebSocketStackOptions, 'safety' | 'tmpDir' | 'signal' | 'logger'>,
  build: (stack: WebSocketStack) => ExperimentInput | Promise<ExperimentInput>,
): Promise<Journal> {
  const safety = safetyOf(ctx);
  ctx.setPhase('setup');
  const stack = await startWebSocketStack({
    ...options,
    ...(safety ? { safety } : {}),
    tmpDir: ctx.tmpDir,
    signal: ctx.signal,
    logger: ctx.logger,
  });
  ctx.onCleanup(() => stack.close());
  try {
    const experiment = await build(stack);
    ctx.setPhase('steady_state');
    return await runExperiment(experiment, {
      seed: ctx.seed,
      ...(safety ? { safety } : {}),
      signal: ctx.signal,
      logger: ctx.logger,
    });
  } finally {
    ctx.setPhase('teardown');
    await stack.close();
  }
}
