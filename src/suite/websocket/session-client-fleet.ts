import type { RandomSource } from '../../common/rng.js';
import { ResilientWebSocket } from '../../ws-client/index.js';

/** What one client saw, message by message. */
export interface ClientRecord {
  readonly client: ResilientWebSocket;
  /** Push numbers received (`p:<n>` from the ticker upstream), in arrival order. */
  readonly pushes: number[];
  /** Client message numbers echoed back (`c:<k>`), in arrival order. */
  readonly echoes: number[];
  /** Client messages sent (1 … sent). */
  sent: number;
  /** The ticker's last push number (`end:<n>`), once asked. */
  end: number | undefined;
  /** performance.now() of each disconnection, and of the attempt scheduled after it. */
  readonly disconnects: { at: number; retryAt: number | undefined; code: number }[];
  /** performance.now() and kind of each session opened. */
  readonly opens: { at: number; resumed: boolean; gap: boolean }[];
}

export interface FleetOptions {
  url: string;
  count: number;
  backoff: { baseMs: number; capMs: number };
  /** Jitter source per client (index → source). */
  random: (index: number) => RandomSource;
  resume: boolean;
  /** Ask the ticker to push every this many ms (0 = no pushes). */
  pushEveryMs: number;
}

/**
 * A fleet of `faultline/ws-client` clients against the ticker upstream, recording every message,
 * disconnection and (re)open, so a scenario can count losses and duplicates message by message.
 */
export class SessionClientFleet {
  readonly records: ClientRecord[] = [];

  constructor(options: FleetOptions) {
    for (let i = 0; i < options.count; i++) {
      const client = new ResilientWebSocket(options.url, {
        backoff: options.backoff,
        random: options.random(i),
        resume: options.resume,
        maxBufferedMessages: 10_000,
        connectTimeoutMs: 30_000,
      });
      const record: ClientRecord = {
        client,
        pushes: [],
        echoes: [],
        sent: 0,
        end: undefined,
        disconnects: [],
        opens: [],
      };
      client.onOpen(({ resumed, gap }) => {
        record.opens.push({ at: performance.now(), resumed, gap });
        // A new session (the first, or one that could not be resumed) starts its own pushes.
        if (!resumed && options.pushEveryMs > 0) client.send(`push:${options.pushEveryMs}`);
      });
      client.onDisconnect(({ code, retryInMs }) => {
        const at = performance.now();
        record.disconnects.push({ at, retryAt: retryInMs === undefined ? undefined : at + retryInMs, code });
      });
      client.onMessage(({ data }) => {
        const text = data.toString();
        if (text.startsWith('p:')) record.pushes.push(Number(text.slice(2)));
        else if (text.startsWith('c:')) record.echoes.push(Number(text.slice(2)));
        else if (text.startsWith('end:')) record.end = Number(text.slice(4));
      });
      this.records.push(record);
    }
  }

  /** Clients with a session open now. */
  get connected(): number {
    return this.records.filter((r) => r.client.connected).length;
  }

  /** Connected count and the close codes seen, for failure messages. */
  describe(): string {
    const codes = new Map<number, number>();
    for (const r of this.records)
      for (const d of r.disconnects) codes.set(d.code, (codes.get(d.code) ?? 0) + 1);
    return `${this.connected}/${this.records.length} connected, disconnect codes ${JSON.stringify(Object.fromEntries(codes))}`;
  }

  /** Every client sends its next numbered message (buffered while offline). */
  sendRound(): void {
    for (const r of this.records) r.client.send(`c:${++r.sent}`);
  }

  /** Asks each ticker connection to stop and report its last push. */
  stop(): void {
    for (const r of this.records) r.client.send('stop');
  }

  async close(): Promise<void> {
    await Promise.all(this.records.map((r) => r.client.close()));
  }
}

/** Losses and duplicates of a sequence that should be exactly 1 … last, once each. */
export function countSequence(
  seen: readonly number[],
  last: number,
): { lost: number; duplicated: number; outOfOrder: number } {
  const counts = new Map<number, number>();
  let outOfOrder = 0;
  let prev = 0;
  for (const n of seen) {
    counts.set(n, (counts.get(n) ?? 0) + 1);
    if (n <= prev) outOfOrder++;
    prev = Math.max(prev, n);
  }
  let lost = 0;
  let duplicated = 0;
  for (let n = 1; n <= last; n++) {
    const c = counts.get(n) ?? 0;
    if (c === 0) lost++;
    else duplicated += c - 1;
  }
  return { lost, duplicated, outOfOrder };
}

/** The p-th percentile (0–1) of `xs` (nearest rank); NaN when empty. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}
