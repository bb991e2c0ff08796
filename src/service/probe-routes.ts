import { burnCpu } from './cpu-burner.js';
import { intParam, sendJson } from './http-json.js';
import type { Route } from './router.js';
import { ServiceRequestError } from './service-errors.js';

/** Routes that exercise the service: health, a sleep, CPU work, the external dependency. */
export const probeRoutes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/healthz$/,
    handle({ res, state }) {
      const healthy = state.healthOverride ?? !state.draining;
      sendJson(res, healthy ? 200 : 503, {
        status: healthy ? 'ok' : state.draining ? 'draining' : 'unhealthy',
        instance: state.instanceId,
      });
    },
  },
  {
    method: 'GET',
    pattern: /^\/slow$/,
    async handle({ res, url, state }) {
      const ms = intParam(url, 'ms', 0, 600_000, 100);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        // A caller that gave up frees the timer at once.
        res.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      sendJson(res, 200, { slept_ms: ms, instance: state.instanceId });
    },
  },
  {
    method: 'GET',
    pattern: /^\/work$/,
    handle({ res, url, state }) {
      const cpuMs = intParam(url, 'cpu_ms', 0, 10_000, 10);
      const started = performance.now();
      burnCpu(cpuMs);
      sendJson(res, 200, {
        cpu_ms: cpuMs,
        took_ms: Math.round(performance.now() - started),
        instance: state.instanceId,
      });
    },
  },
  {
    method: 'GET',
    pattern: /^\/dependency$/,
    async handle({ res, state }) {
      if (!state.dependency) {
        throw new ServiceRequestError(
          'FL_SERVICE_NO_DEPENDENCY',
          'no external dependency configured (set EXTERNAL_URL or CHAOS_MOCK_EXTERNAL)',
          503,
        );
      }
      const answer = await state.dependency.call();
      sendJson(res, 200, {
        dependency: answer.body,
        duration_ms: answer.duration_ms,
        instance: state.instanceId,
      });
    },
  },
];
