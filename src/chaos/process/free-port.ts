import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Lowest port handed out: above the registered services most machines run (≤ 9999). */
const LOWEST = 10_000;
/** Disjoint slices of the range, one per test worker (`VITEST_POOL_ID`), so workers never share a port. */
const SLICES = 16;

/** Ports this process has handed out: never handed out twice, so a dead child's port stays its own. */
const handedOut = new Set<number>();

/** The kernel's ephemeral range (`net.ipv4.ip_local_port_range`); Linux's default when unreadable. */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low && high && low > LOWEST + SLICES) return [low, high];
  } catch {
    // not Linux: fall through
  }
  return [32_768, 60_999];
}

/**
 * The ports this process picks from: below the kernel's ephemeral range, so the OS never gives
 * one of them to a `listen(0)` or to the source of an outgoing connection, and within this test
 * worker's own slice of it when running under vitest.
 */
export function fixedPortRange(env: NodeJS.ProcessEnv = process.env): [number, number] {
  const [ephemeralLow] = ephemeralRange();
  const pool = Number(env.VITEST_POOL_ID);
  if (!Number.isInteger(pool) || pool < 1) return [LOWEST, ephemeralLow];
  const size = Math.floor((ephemeralLow - LOWEST) / SLICES);
  const start = LOWEST + ((pool - 1) % SLICES) * size;
  return [start, start + size];
}

function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function osPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A TCP port that was free a moment ago, for a child that needs its port on its command line
 * (and must get the same one back after a restart). Prefer port 0 wherever the child can report
 * its own port.
 *
 * Picked at random below the kernel's ephemeral range, never twice in one process, and from a
 * per-worker slice under vitest: a port chosen by the OS (`listen(0)`) comes from the ephemeral
 * range, so while a killed child is down, another process's `listen(0)` or outgoing connection
 * could take its port, and a second test file running in parallel could then answer for the dead
 * instance (seen: a "dead" host that kept serving another scenario's traffic). Falls back to an
 * OS-chosen port if 200 picks find nothing free.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [low, high] = fixedPortRange();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = randomInt(low, high);
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (await canBind(port, host)) return port;
  }
  return osPort(host);
}
