import { type Event, EventEmitter } from '../../common/event.js';

/**
 * The last N lines a child wrote, stdout and stderr interleaved in arrival order. A ring
 * buffer, so a chatty child cannot grow our memory; `onLine` lets readiness checks wait for
 * a line without polling.
 */
export interface LogLine {
  stream: 'stdout' | 'stderr';
  line: string;
  /** performance.now() when the line arrived. */
  at: number;
}

export class LogBuffer {
  private readonly lines: (LogLine | undefined)[];
  private next = 0;
  private count = 0;
  private readonly partial = { stdout: '', stderr: '' };
  private readonly lineEmitter = new EventEmitter<LogLine>();
  readonly onLine: Event<LogLine> = this.lineEmitter.addListener;

  constructor(readonly capacity = 1000) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.lines = new Array(capacity);
  }

  /** Feed a chunk of output; complete lines are stored, a trailing partial line waits for more. */
  write(stream: 'stdout' | 'stderr', chunk: string): void {
    const text = this.partial[stream] + chunk;
    const parts = text.split('\n');
    this.partial[stream] = parts.pop() ?? '';
    // A child that never writes a newline must still be bounded.
    if (this.partial[stream].length > 64 * 1024) {
      parts.push(this.partial[stream]);
      this.partial[stream] = '';
    }
    for (const raw of parts) this.push({ stream, line: raw.replace(/\r$/, ''), at: performance.now() });
  }

  /** Flush partial lines (on exit). */
  end(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream] !== '') {
        this.push({ stream, line: this.partial[stream], at: performance.now() });
        this.partial[stream] = '';
      }
    }
  }

  private push(entry: LogLine): void {
    this.lines[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
    this.lineEmitter.emit(entry);
  }

  /** Stored lines, oldest first. */
  entries(): LogLine[] {
    const out: LogLine[] = [];
    const start = (this.next - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) {
      const entry = this.lines[(start + i) % this.capacity];
      if (entry) out.push(entry);
    }
    return out;
  }

  /** The last `n` lines as text. */
  tail(n = this.capacity): string[] {
    return this.entries()
      .slice(-n)
      .map((e) => e.line);
  }
}
