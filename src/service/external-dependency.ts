import { Agent, request } from 'undici';
import { DependencyError } from './service-errors.js';

export interface DependencyAnswer {
  status: number;
  body: unknown;
  duration_ms: number;
}

/**
 * The client the service uses for its "external" dependency. It gives up after `timeoutMs`
 * (504) and treats a 5xx or a broken connection as a failure (502), so a slow dependency
 * costs a caller at most the timeout.
 */
export class ExternalDependency {
  private readonly agent = new Agent({ keepAliveTimeout: 4000, connections: 64 });

  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  async call(): Promise<DependencyAnswer> {
    const started = performance.now();
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await request(this.url, { dispatcher: this.agent, signal });
      const text = await res.body.text();
      const duration_ms = Math.round(performance.now() - started);
      if (res.statusCode >= 500) {
        throw new DependencyError(`dependency answered ${res.statusCode}`, { timedOut: false });
      }
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON: pass the text through.
      }
      return { status: res.statusCode, body, duration_ms };
    } catch (err) {
      if (err instanceof DependencyError) throw err;
      const timedOut = signal.aborted;
      throw new DependencyError(
        timedOut
          ? `dependency did not answer within ${this.timeoutMs} ms`
          : `dependency unreachable: ${(err as Error).message}`,
        { timedOut, cause: err },
      );
    }
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }
}
