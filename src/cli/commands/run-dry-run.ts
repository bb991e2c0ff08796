import type { SafetyController } from '../../chaos/safety/safety-controller.js';
import { NEEDS, type Need, type NeedChecker, type NeedResult } from '../../runner/needs.js';
import type { Scenario } from '../../runner/scenario.js';
import { formatEffectiveConfig, formatParams } from '../config/format-config.js';
import type { RunConfig } from './run-config.js';
import { dryRunTargetLines } from './run-dry-run-targets.js';

/** --dry-run: safety checks, every need of the selection, and what would run or be skipped. */
export async function dryRunReport(
  selected: readonly Scenario[],
  config: RunConfig,
  safety: SafetyController,
  needs: NeedChecker,
  params: ReadonlyMap<string, Readonly<Record<string, number>>> = new Map(),
): Promise<{ text: string; refused: boolean }> {
  const out: string[] = ['Safety:'];
  const checks = safety.checks();
  for (const c of checks) out.push(`  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(15)} ${c.detail}`);

  // Every known dependency, so the machine's readiness shows even for needs this selection
  // lacks; a missing one only matters (MISS) when a selected scenario needs it.
  out.push('', 'Dependencies:');
  const all = Object.keys(NEEDS) as Need[];
  const results = await Promise.all(all.map((need) => needs.check(need)));
  for (const [i, need] of all.entries()) {
    const r = results[i] as NeedResult;
    const users = selected.filter((s) => s.needs.includes(need)).length;
    const usedBy = users > 0 ? `needed by ${users}` : 'not needed';
    out.push(
      r.ok
        ? `  ok    ${need.padEnd(18)} ${NEEDS[need].title}${r.detail ? ` (${r.detail})` : ''} [${usedBy}]`
        : `  ${users > 0 ? 'MISS' : '-   '}  ${need.padEnd(18)} ${r.reason}; to provide: ${r.provide} [${usedBy}]`,
    );
  }

  const run: Scenario[] = [];
  const skip: string[] = [];
  for (const s of selected) {
    const gap = await needs.firstMissing(s.needs);
    if (gap) skip.push(`  ${s.id}: needs ${gap.need}: ${gap.reason} (to provide: ${gap.provide})`);
    else run.push(s);
  }
  const idWidth = Math.max(0, ...run.map((s) => s.id.length));
  out.push('', `Would run (${run.length}):`, ...run.map((s) => `  ${s.id.padEnd(idWidth)}  ${s.title}`));
  out.push('', `Would skip (${skip.length}):`, ...skip);
  out.push(...(await dryRunTargetLines(run, config.targets, needs)));
  out.push(
    '',
    `Options: timeout ${config.timeoutMs / 1000} s, max failures ${config.maxFailures}, ` +
      `${config.parallel ? `parallel (${config.concurrency})` : 'sequential'}, per-scenario limit ${safety.maxExperimentMs / 1000} s, ` +
      `mock external ${config.mockExternal}, isolated ${config.isolated}, monitoring ${config.monitoring}`,
  );
  out.push('', ...formatEffectiveConfig(config), ...formatParams(selected, params, config));
  const refused = checks.filter((c) => !c.ok);
  out.push(
    '',
    refused.length > 0
      ? `Refused by safety: ${refused.map((c) => c.detail).join('; ')}`
      : `Ready: ${run.length} of ${selected.length} scenarios would run.`,
  );
  return { text: `${out.join('\n')}\n`, refused: refused.length > 0 };
}
