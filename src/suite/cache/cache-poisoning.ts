import { request } from 'undici';
import type { Scenario } from '../../runner/scenario.js';
import { expectWithin } from '../harness/hypothesis-miss.js';
import { recordMetrics } from '../harness/judge.js';
import * as steps from '../harness/scenario-steps.js';
import { type CacheControl, cacheConfigFor } from './cache-controls.js';
import type { CacheStack, Fetched } from './cache-stack.js';
import { genuineBody, genuineScript } from './content-origin.js';
import { runCacheExperiment, scenarioCacheConfig } from './run-cache-experiment.js';

interface Attack {
  name: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** What other clients then ask for, and what each must get. */
  victims: { path: string; genuine: string | ((f: Fetched) => boolean) }[];
  /** The origin itself falls for it (checked directly, so the battery has teeth). */
  originFallsFor?: (f: { status: number; body: string }) => boolean;
}

const page = (p: string) => ({ path: p, genuine: genuineBody(p) });
const evilLink = (f: { body: string }) => f.body.includes('evil.test');

/**
 * Known web-cache-poisoning requests (PortSwigger's "Practical Web Cache Poisoning", Param
 * Miner, the CPDoS paper by Nguyen et al. 2019). Each attack uses a path nobody asked for yet,
 * so the attacker's request is the miss that would be stored.
 */
export const attacks: readonly Attack[] = [
  {
    name: 'unkeyed X-Forwarded-Host',
    path: '/page/a1',
    headers: { 'x-forwarded-host': 'evil.test' },
    victims: [page('/page/a1')],
    originFallsFor: evilLink,
  },
  {
    name: 'unkeyed X-Forwarded-Scheme (redirect loop)',
    path: '/page/a2',
    headers: { 'x-forwarded-scheme': 'https' },
    victims: [page('/page/a2')],
    originFallsFor: (f) => f.status === 301,
  },
  {
    name: 'unkeyed X-Forwarded-Proto',
    path: '/page/a3',
    headers: { 'x-forwarded-proto': 'https' },
    victims: [page('/page/a3')],
    originFallsFor: (f) => f.status === 301,
  },
  {
    name: 'unkeyed X-Original-URL',
    path: '/page/a4',
    headers: { 'x-original-url': '/page/admin' },
    victims: [page('/page/a4')],
    originFallsFor: (f) => f.body === genuineBody('/page/admin'),
  },
  {
    name: 'unkeyed X-Rewrite-URL',
    path: '/page/a5',
    headers: { 'x-rewrite-url': '/page/admin' },
    victims: [page('/page/a5')],
    originFallsFor: (f) => f.body === genuineBody('/page/admin'),
  },
  {
    name: 'unkeyed X-HTTP-Method-Override (CPDoS HMO)',
    path: '/page/a6',
    headers: { 'x-http-method-override': 'DELETE' },
    victims: [page('/page/a6')],
    originFallsFor: (f) => f.body === 'deleted',
  },
  {
    name: 'oversized header (CPDoS HHO: a cacheable 400)',
    path: '/page/a7',
    headers: { 'x-oversized': 'x'.repeat(3000) },
    victims: [page('/page/a7')],
    originFallsFor: (f) => f.status === 400,
  },
  {
    name: 'fat GET (body parameter overrides the query)',
    path: '/js?callback=fat',
    body: 'callback=evil',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    victims: [{ path: '/js?callback=fat', genuine: genuineScript('fat') }],
    originFallsFor: (f) => f.body.startsWith('evil('),
  },
  {
    name: 'parameter cloaking (; as a separator)',
    path: '/js?callback=cloak&utm_content=x;callback=evil',
    victims: [
      { path: '/js?callback=cloak', genuine: genuineScript('cloak') },
      { path: '/js?callback=cloak&utm_content=x', genuine: genuineScript('cloak') },
    ],
    originFallsFor: (f) => f.body.startsWith('evil('),
  },
  {
    name: 'path confusion (dot segments)',
    path: '/page/x/../a10',
    victims: [page('/page/a10')],
  },
  {
    name: 'oversized response (passed through, never stored)',
    path: '/big',
    victims: [
      {
        path: '/big',
        genuine: (f) => f.status === 200 && f.body.length === 2 * 1024 * 1024 && !/; hit/.test(f.cacheStatus),
      },
    ],
  },
  {
    name: 'invalid content type (never stored)',
    path: '/binary',
    victims: [{ path: '/binary', genuine: (f) => f.body === 'binary' && !/; hit/.test(f.cacheStatus) }],
  },
  {
    name: 'invalid Cache-Control (never stored)',
    path: '/bad-cache-control',
    victims: [{ path: '/bad-cache-control', genuine: (f) => f.body === 'x' && !/; hit/.test(f.cacheStatus) }],
  },
];

function isGenuine(f: Fetched, expected: string | ((f: Fetched) => boolean)): boolean {
  return typeof expected === 'string' ? f.status === 200 && f.body === expected : expected(f);
}

async function askOrigin(stack: CacheStack, a: Attack): Promise<{ status: number; body: string }> {
  const res = await request(`${stack.originUrl}${a.path}`, {
    method: 'GET',
    headers: { host: 'content.test', ...a.headers },
    ...(a.body === undefined ? {} : { body: a.body }),
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.statusCode, body: await res.body.text() };
}

/** Its negative control ("the origin falls for each attack" and "victims hit the cache" are checks of the experiment itself). */
const controls: readonly CacheControl[] = [
  {
    name: 'unkeyed_header_stripping_off',
    claim: 'no other client is served a poisoned answer',
    change: 'stripUnkeyedHeaders false (unkeyed headers reach the origin)',
    stack: { cache: (c) => ({ ...c, stripUnkeyedHeaders: false }) },
    misses: ['poisoned answers served'],
  },
];

/**
 * A battery of web-cache-poisoning requests against the gateway's cache (memory + Redis tier).
 * Hypothesis: no other client is ever served a poisoned answer: every victim request after every
 * attack, and a final sweep, gets the genuine page. The origin is checked directly to fall for
 * each header and parameter attack, so a pass means the cache stopped it.
 */
export const cachePoisoning: Scenario = {
  id: 'cache.poisoning-attacks',
  category: 'cache',
  name: 'poisoning_attacks',
  title: 'Cache poisoning attacks: no poisoned entry is ever served to another client',
  description:
    `${attacks.length} known poisoning requests (unkeyed headers, CPDoS, fat GET, parameter cloaking, path ` +
    'confusion, oversized and invalid content), each followed by victim requests, then a sweep. Hypothesis: every ' +
    'victim answer is genuine; the origin is shown to fall for each header and parameter attack.',
  needs: ['redis', 'free-ports'],
  timeoutMs: 60_000,
  tags: ['cache', 'security'],
  controls,
  run: (ctx) =>
    runCacheExperiment(
      ctx,
      {
        cache: (redis) => cacheConfigFor(ctx, controls, scenarioCacheConfig(ctx, redis)),
      },
      (stack) => ({
        title: cachePoisoning.title,
        category: 'cache',
        method: [
          {
            type: 'action',
            name: 'the origin falls for the attacks',
            run: async ({ setMetric }) => {
              let vulnerable = 0;
              const armed = attacks.filter((a) => a.originFallsFor);
              for (const a of armed) if (a.originFallsFor?.(await askOrigin(stack, a))) vulnerable++;
              expectWithin('attacks the origin itself falls for', vulnerable, [armed.length, armed.length]);
              return recordMetrics(setMetric, { origin_vulnerable_to: vulnerable });
            },
          },
          {
            type: 'action',
            name: 'attack, then serve the victims',
            run: async ({ setMetric }) => {
              ctx.setPhase('inject');
              const poisoned: string[] = [];
              let victims = 0;
              for (const a of attacks) {
                await stack.get(a.path, {
                  ...(a.headers ? { headers: a.headers } : {}),
                  ...(a.body === undefined ? {} : { body: a.body }),
                });
                for (const v of a.victims) {
                  for (let i = 0; i < 2; i++) {
                    const f = await stack.get(v.path);
                    victims++;
                    if (!isGenuine(f, v.genuine))
                      poisoned.push(
                        `${a.name}: ${v.path} -> ${f.status} [${f.cacheStatus}] ${f.body.slice(0, 50)}`,
                      );
                  }
                }
              }
              ctx.setPhase('observe');
              // The sweep: everything once more, now that every entry that could exist does.
              for (const a of attacks) {
                for (const v of a.victims) {
                  const f = await stack.get(v.path);
                  victims++;
                  if (!isGenuine(f, v.genuine))
                    poisoned.push(`sweep ${a.name}: ${v.path} -> ${f.status} [${f.cacheStatus}]`);
                }
              }
              const state = await stack.cacheState();
              const m = recordMetrics(setMetric, {
                attacks: attacks.length,
                victim_requests: victims,
                poisoned_answers: poisoned.length,
                cache_hits: state.stats.hits ?? 0,
                stored: state.stats.stored ?? 0,
                not_stored: state.stats.notStored ?? 0,
                bypassed: state.stats.bypasses ?? 0,
              });
              expectWithin('poisoned answers served to other clients', m.poisoned_answers, [0, 0], '', () =>
                poisoned.slice(0, 3).join(' | '),
              );
              // The victims did hit the cache: the defences are not "cache nothing".
              expectWithin('cache hits among victim requests', m.cache_hits, [10, Number.POSITIVE_INFINITY]);
              return m;
            },
          },
        ],
        stop_conditions: steps.sharedMachineStopConditions(),
      }),
    ),
};
