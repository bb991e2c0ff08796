import type { Logger } from 'pino';
import type { ServiceConfig } from './config.js';
import type { BackgroundCpuLoad } from './cpu-burner.js';
import type { ExternalDependency } from './external-dependency.js';
import type { ItemStore } from './item-store.js';
import type { MemoryBallast } from './memory-ballast.js';
import type { RuntimeMonitor } from './runtime-stats.js';

/** What every route handler of the reference service can reach. */
export interface ServiceState {
  readonly config: ServiceConfig;
  readonly instanceId: string;
  readonly store: ItemStore;
  /** undefined when no external dependency is configured (CHAOS_MOCK_EXTERNAL off, no URL). */
  readonly dependency: ExternalDependency | undefined;
  readonly dependencyUrl: string | undefined;
  readonly monitor: RuntimeMonitor;
  readonly ballast: MemoryBallast;
  readonly cpuLoad: BackgroundCpuLoad;
  readonly logger: Logger | undefined;
  readonly counters: { requests: number; inFlight: number; byStatus: Record<string, number> };
  /** Set on SIGTERM: health answers 503 and connections close after their answer. */
  draining: boolean;
  /** Forced by `POST /admin/health`; null = healthy unless draining. */
  healthOverride: boolean | null;
}
