import { type Event, EventEmitter } from '../../common/event.js';

/**
 * The last N lines a child wrote, stdout and stderr interleaved in arrival order. A ring
 * buffer, so a chatty child cannot grow our memory; `onLine` lets readiness checks wait for
 * a line without polling.
 *
 * The buffer outlives restarts (earlier runs' output stays for diagnostics), so every line
 * carries the generation (the start) that produced it: readiness after a restart must only
 * look at the new run's output, never at the previous run's "listening" line.
 */
export interface LogLine {
  stream: 'stdout' | 'stderr';
  line: string;
  /** performance.now() when the line arrived. */
  at: number;
  /** Which start of the process wrote it: 1 for the first, +1 per (re)start; 0 before any. */
  generation: number;
}

type Stream = LogLine['stream'];

export class LogBuffer {
  private readonly lines: (LogLine | undefined)[];
  private next = 0;
  private count = 0;
  private currentGeneration = 0;
  /** Unfinished last line per generation and stream: an old run's late bytes never join a new run's. */
  private readonly partial = new Map<string, string>();
  private readonly lineEmitter = new EventEmitter<LogLine>();
  readonly onLine: Event<LogLine> = this.lineEmitter.addListener;

  constructor(readonly capacity = 1000) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.lines = new Array(capacity);
  }

  /** The generation new writes go to by default (the latest start). */
  get generation(): number {
    return this.currentGeneration;
  }

  /** A new start begins: later writes (by default) belong to the returned generation. */
  beginGeneration(): number {
    this.currentGeneration++;
    return this.currentGeneration;
  }

  /**
   * Feed a chunk of output; complete lines are stored, a trailing partial line waits for more.
   * Pass the writer's `generation` so output a previous run flushes late is labelled as its own.
   */
  write(stream: Stream, chunk: string, generation = this.currentGeneration): void {
    const key = `${generation}:${stream}`;
    const parts = ((this.partial.get(key) ?? '') + chunk).split('\n');
    let rest = parts.pop() ?? '';
    // A child that never writes a newline must still be bounded.
    if (rest.length > 64 * 1024) {
      parts.push(rest);
      rest = '';
    }
    if (rest === '') this.partial.delete(key);
    else this.partial.set(key, rest);
    for (const raw of parts)
      this.push({ stream, line: raw.replace(/\r$/, ''), at: performance.now(), generation });
  }

  /** Flush partial lines (on exit): of one generation, or of all when none is given. Idempotent. */
  end(generation?: number): void {
    for (const [key, rest] of [...this.partial]) {
      const [gen, stream] = key.split(':') as [string, Stream];
      if (generation !== undefined && Number(gen) !== generation) continue;
      this.partial.delete(key);
      this.push({ stream, line: rest, at: performance.now(), generation: Number(gen) });
    }
  }

  private push(entry: LogLine): void {
    this.lines[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
    this.lineEmitter.emit(entry);
  }

  /** Stored lines, oldest first; only those of `generation` when given. */
  entries(generation?: number): LogLine[] {
    const out: LogLine[] = [];
    const start = (this.next - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) {
      const entry = this.lines[(start + i) % this.capacity];
      if (entry && (generation === undefined || entry.generation === generation)) out.push(entry);
    }
    return out;
  }

  /** The last `n` lines as text; only those of `generation` when given. */
  tail(n = this.capacity, generation?: number): string[] {
    return this.entries(generation)
      .slice(-n)
      .map((e) => e.line);
  }
}
