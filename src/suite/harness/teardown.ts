import type { SafetyController, SafetyHandle } from '../../chaos/safety/safety-controller.js';

interface Step {
  name: string;
  run: () => Promise<void>;
  handle: SafetyHandle | undefined;
}

let nextId = 1;

/**
 * Everything the harness started, undone last-first exactly once — on success, failure and
 * interrupt alike. With a safety controller each step is also registered there, so an
 * emergency stop undoes it even if the harness never gets to.
 */
export class Teardown {
  private readonly steps: Step[] = [];
  private running: Promise<string[]> | undefined;

  constructor(private readonly safety?: SafetyController) {}

  /**
   * Adds an undo step. `pid` lets the safety controller (and its probes) find a process by
   * name; it is read on demand, since a restarted process has a new pid.
   */
  add(kind: string, name: string, undo: () => Promise<void>, pid?: () => number | undefined): void {
    let done: Promise<void> | undefined;
    const once = () => {
      done ??= undo();
      return done;
    };
    const handle = this.safety?.register({
      id: `harness-${nextId++}-${name}`,
      kind,
      name,
      get pid() {
        return pid?.();
      },
      revert: once,
    });
    this.steps.push({ name, run: once, handle });
  }

  /** Runs every step, last added first; never throws. Resolves with the steps that failed. */
  run(): Promise<string[]> {
    this.running ??= (async () => {
      const failed: string[] = [];
      for (const step of this.steps.reverse()) {
        try {
          if (step.handle) {
            const outcome = await step.handle.revert('completed');
            if (outcome.error !== undefined) failed.push(`${step.name}: ${outcome.error}`);
          } else {
            await step.run();
          }
        } catch (err) {
          failed.push(`${step.name}: ${(err as Error)?.message ?? err}`);
        }
      }
      return failed;
    })();
    return this.running;
  }
}
