import type { NeedChecker } from '../../runner/needs.js';
import { missingCapability } from '../../runner/runner.js';
import type { Scenario } from '../../runner/scenario.js';
import { targetNamed } from '../../targets/targets.js';

/**
 * The `Targets:` section of --dry-run, when the run selects a target other than Faultline's own
 * gateway: per target, its binary and, per selected scenario, whether it would run there or be
 * skipped, with the capability it lacks and the target's reason. `specs` are the resolved
 * `--target` values (external:FILE with FILE absolute; the files were validated already).
 */
export async function dryRunTargetLines(
  selected: readonly Scenario[],
  specs: readonly string[],
  needs: NeedChecker,
): Promise<string[]> {
  if (specs.length === 1 && specs[0] === 'faultline') return [];
  const out = ['', 'Targets:'];
  for (const spec of specs) {
    const target = targetNamed(spec);
    out.push(`  ${target.name}: ${target.title}`);
    const binary = await needs.binaryProblem(target.binary);
    if (binary) out.push(`    every scenario skipped: ${binary.reason} (to provide: ${binary.provide})`);
    for (const s of selected) {
      const lacks = missingCapability(s, target);
      out.push(lacks ? `    skip ${s.id}: needs ${lacks.capability}: ${lacks.reason}` : `    run  ${s.id}`);
    }
  }
  return out;
}
