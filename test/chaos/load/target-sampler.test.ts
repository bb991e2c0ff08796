import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { TargetMetricsSampler } from '../../../src/chaos/load/index.js';
import { ProcessSupervisor } from '../../../src/chaos/process/index.js';
import { busyScript } from '../process/fixtures.js';
import { spawnHttpScriptChild, spawnScriptChild } from '../process/script-child.js';

let supervisor: ProcessSupervisor | undefined;
afterEach(async () => {
  await supervisor?.stopAll(300);
  supervisor = undefined;
});

/** Serves /stats with its own event-loop lag, and blocks its loop for 300 ms on /block. */
const statsServer = `
const http = require('node:http');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const h = monitorEventLoopDelay({ resolution: 10 }); h.enable();
http.createServer((req, res) => {
  if (req.url === '/block') { const end = Date.now() + 300; while (Date.now() < end) {} res.end(); return; }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ event_loop_lag_ms: { max: h.max / 1e6, p99: h.percentile(99) / 1e6 } }));
}).listen(Number(process.argv[1]), '127.0.0.1', () => console.log('up'));
`;

describe('TargetMetricsSampler', () => {
  it('reports CPU, RSS and event-loop lag maxima per target (lag null when not exposed)', async () => {
    supervisor = new ProcessSupervisor();
    const busy = await spawnScriptChild(supervisor, 'busy', busyScript, 'busy');
    const { child: api, port } = await spawnHttpScriptChild(supervisor, 'api', statsServer, '/stats');
    const sampler = new TargetMetricsSampler(
      [
        { name: 'busy', pid: () => busy.pid },
        { name: 'api', pid: api.pid, stats_url: `http://127.0.0.1:${port}/stats` },
      ],
      { interval_ms: 100 },
    );
    sampler.start();
    await fetch(`http://127.0.0.1:${port}/block`);
    await sleep(600);
    const targets = await sampler.stop();
    const [b, a] = targets;
    expect(b).toMatchObject({ name: 'busy', pid: busy.pid, event_loop_lag_ms_max: null });
    expect(b?.cpu_percent_max).toBeGreaterThan(2); // fair share on a loaded 2-core host may be ~10 %
    expect(b?.rss_mb_max).toBeGreaterThan(5);
    expect(a?.name).toBe('api');
    expect(a?.event_loop_lag_ms_max).toBeGreaterThan(200);
    expect(sampler.samples().length).toBeGreaterThanOrEqual(8);
  });

  it('reports nulls for a target that is gone', async () => {
    const sampler = new TargetMetricsSampler([{ name: 'ghost', pid: 2 ** 22 + 12345 }]);
    sampler.start();
    expect(await sampler.stop()).toEqual([
      {
        name: 'ghost',
        pid: 2 ** 22 + 12345,
        cpu_percent_max: null,
        rss_mb_max: null,
        event_loop_lag_ms_max: null,
      },
    ]);
  });
});
