import type { ScenarioControl } from '../../../src/runner/control.js';
import { controlResultOf } from '../../../src/runner/runner.js';
import type { Scenario } from '../../../src/runner/scenario.js';
import { scenarios as registered } from '../../../src/suite/registry.js';
import { runScenarioForTest, testSafetyController } from './run-scenario.js';

/**
 * Reruns scenarios and prints one JSON line per run (status, reason, seed, custom metrics, load
 * summary), to measure margins and flakiness:
 *
 *   node --import tsx test/suite/harness/measure-scenarios.ts service.random-crashes,latency 10
 *
 * (ids or categories, comma-separated). A negative
 * control runs as `<id>:<control>` (e.g. `latency.high-latency:breaker_off`), or every control
 * of the selected scenarios with `<id>:*`. SIGINT or SIGTERM stops it as Ctrl+C stops
 * `faultline run`: the running scenario is aborted, its processes and faults are removed, then it
 * exits 130 (a second signal exits at once).
 */
const scenarios: readonly Scenario[] = registered;
const [ids = '', times = '10'] = process.argv.slice(2);
const wanted = ids.split(',');
const selected: { scenario: Scenario; control?: ScenarioControl }[] = [];
for (const s of scenarios) {
  if (wanted.includes(s.id) || wanted.includes(s.category)) {
    selected.push({ scenario: s });
  }
  for (const c of s.controls ?? []) {
    if (wanted.includes(`${s.id}:${c.name}`) || wanted.includes(`${s.id}:*`))
      selected.push({ scenario: s, control: c });
  }
}
if (selected.length === 0) {
  process.stderr.write(
    `no scenario or category "${ids}" (known: ${scenarios.map((s) => s.id).join(', ')})\n`,
  );
  process.exit(2);
}
const interrupt = new AbortController();
const safety = testSafetyController();
const onSignal = (signal: NodeJS.Signals): void => {
  if (interrupt.signal.aborted) process.exit(130);
  process.stderr.write(`${signal}: stopping the running scenario and removing what it made\n`);
  interrupt.abort('interrupted');
  void safety.emergencyStop(signal);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
for (let i = 0; i < Number(times) && !interrupt.signal.aborted; i++) {
  for (const { scenario, control } of selected) {
    if (interrupt.signal.aborted) break;
    const started = Date.now();
    const r = await runScenarioForTest(scenario, control, { signal: interrupt.signal, safety });
    const j = r.journal;
    process.stdout.write(
      `${JSON.stringify({
        id: r.id,
        control: control?.name ?? null,
        status: r.status,
        // As `--controls` judges a control: it must fail, on a check its claim names.
        ...(control ? { failed_for_claim: controlResultOf(control, r).proven } : {}),
        reason: r.reason,
        seed: r.seed,
        at: new Date(started).toISOString(),
        duration_ms: Date.now() - started,
        custom: j?.metrics.custom,
        load: j?.metrics.load && {
          requests: j.metrics.load.requests,
          errors: j.metrics.load.errors,
          p99: j.metrics.load.latency_ms.p99,
          codes: j.metrics.load.status_codes,
        },
      })}\n`,
    );
  }
}
process.exit(interrupt.signal.aborted ? 130 : 0);
