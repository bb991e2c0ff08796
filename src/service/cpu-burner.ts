/** Spins the event loop for `ms` milliseconds: real CPU work that blocks this process. */
export function burnCpu(ms: number): number {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) x = (x * 1103515245 + 12345) % 2147483648;
  }
  return x;
}

/**
 * Burns a share (`duty`, 0..1) of every 50 ms slice for `ms` milliseconds in the background,
 * so the instance stays up but answers late: the shape of a CPU-starved host.
 */
export class BackgroundCpuLoad {
  private timer: NodeJS.Timeout | undefined;
  private until = 0;

  start(duty: number, ms: number): void {
    this.stop();
    this.until = performance.now() + ms;
    const slice = 50;
    const tick = () => {
      if (performance.now() >= this.until) {
        this.timer = undefined;
        return;
      }
      burnCpu(slice * duty);
      this.timer = setTimeout(tick, slice * (1 - duty));
    };
    tick();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.until = 0;
  }

  get active(): boolean {
    return this.timer !== undefined;
  }
}
