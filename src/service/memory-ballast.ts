/**
 * Memory the service holds on purpose, for memory-pressure scenarios. It lives on the V8 heap
 * (arrays of numbers, not Buffers), so a `--max-old-space-size` limit really kills the
 * process when the ballast grows past it, as a leak would.
 */
export class MemoryBallast {
  private readonly chunks: number[][] = [];

  /** 1 MiB of heap per chunk: 131072 slots of 8 bytes. */
  private static readonly slotsPerMb = 131072;

  grow(mb: number): void {
    for (let i = 0; i < mb; i++) {
      const chunk = new Array<number>(MemoryBallast.slotsPerMb);
      // Distinct doubles so V8 cannot share or compress the backing store.
      for (let j = 0; j < chunk.length; j++) chunk[j] = j + 0.5;
      this.chunks.push(chunk);
    }
  }

  release(): void {
    this.chunks.length = 0;
  }

  get mb(): number {
    return this.chunks.length;
  }
}
