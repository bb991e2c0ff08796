import { z } from 'zod';
import type { SeededRandom } from '../../common/rng.js';
import type { FaultableProcess } from '../process/faultable-process.js';
import { FaultTargetError } from './errors.js';
import type { FaultDeps } from './fault-deps.js';

/** Fields shared by the `process.*` faults: which spawned processes they act on. */
export const processTargetFields = {
  /** Supervisor name(s) of the target process(es). @example ['api-1', 'api-2'] */
  process: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  /** `all` acts on every listed process; `random` on `count` of them, chosen with the run's seed. @default 'all' */
  pick: z.enum(['all', 'random']).default('all'),
  /** How many to pick when `pick` is `random`. @default 1 */
  count: z.number().int().positive().default(1),
};

export interface ProcessTargetSpec {
  name: string;
  process: string | string[];
  pick: 'all' | 'random';
  count: number;
}

/**
 * Resolves the names to processes (all must exist, so a typo fails at build time), and picks
 * at inject time with the fault's own random stream.
 */
export class ProcessTargets {
  readonly names: string[];

  constructor(
    private readonly spec: ProcessTargetSpec,
    private readonly deps: FaultDeps,
  ) {
    this.names = Array.isArray(spec.process) ? spec.process : [spec.process];
    const lookup = deps.processes;
    if (!lookup)
      throw new FaultTargetError(`fault "${spec.name}": no process supervisor to find processes in`);
    for (const name of this.names) {
      if (!lookup.get(name)) {
        throw new FaultTargetError(
          `fault "${spec.name}": no process named "${name}" (known: ${lookup.names().join(', ') || 'none'})`,
        );
      }
    }
  }

  get label(): string {
    return this.names.join(',');
  }

  pick(rng: SeededRandom): FaultableProcess[] {
    let chosen = this.names;
    if (this.spec.pick === 'random') {
      // Partial Fisher–Yates with the seeded stream: reproducible from the seed.
      const pool = [...this.names];
      const n = Math.min(this.spec.count, pool.length);
      for (let i = 0; i < n; i++) {
        const j = rng.int(i, pool.length - 1);
        [pool[i], pool[j]] = [pool[j] as string, pool[i] as string];
      }
      chosen = pool.slice(0, n);
    }
    return chosen.map((name) => {
      const child = this.deps.processes?.get(name);
      if (!child) throw new FaultTargetError(`fault "${this.spec.name}": process "${name}" is gone`);
      return child;
    });
  }
}
