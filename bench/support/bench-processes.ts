/**
 * What every side-by-side bench needs to run its contenders: a temp dir and the children it
 * spawns, all removed when the bench exits (however it exits), a spawn that resolves with the
 * port a child reports, and Debian tools installed on demand.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/chaos/process/index.js';

/** The children and temp dir of one bench run; both are removed on exit. */
export class BenchProcesses {
  readonly tempDir: string;
  private readonly children: ChildProcess[] = [];

  /** `name` prefixes the temp dir: `faultline-bench-<name>-…`. */
  constructor(name: string) {
    this.tempDir = mkdtempSync(join(tmpdir(), `faultline-bench-${name}-`));
    process.on('exit', () => {
      for (const child of this.children) {
        if (child.exitCode !== null || child.pid === undefined) continue;
        // Detached children (nginx) lead their own process group: the group takes their workers
        // too, which a SIGKILL to the master alone would orphan (still listening).
        try {
          process.kill(child.spawnargs[0] === 'nginx' ? -child.pid : child.pid, 'SIGKILL');
        } catch {}
      }
      rmSync(this.tempDir, { recursive: true, force: true });
    });
    process.on('SIGINT', () => process.exit(130));
  }

  /**
   * Spawns `cmd argv` and resolves with the port of the first `{"event":"listening","port":N}`
   * line it prints; rejects if it exits first.
   */
  spawnUntilListening(cmd: string, argv: string[], env: Record<string, string> = {}): Promise<number> {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    this.children.push(child);
    return new Promise((resolve, reject) => {
      let buf = '';
      child.stdout?.on('data', (d: Buffer) => {
        buf += d.toString();
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          try {
            const msg = JSON.parse(line) as { event?: string; port?: number };
            if (msg.event === 'listening' && msg.port) return resolve(msg.port);
          } catch {}
        }
      });
      child.once('exit', (code) =>
        reject(new Error(`${argv.join(' ')} exited with ${code} before listening`)),
      );
    });
  }

  /**
   * Starts nginx (one worker, no access log, its temp paths in this run's dir) with `http` as the
   * body of its `http {}` block, `PORT` replaced by a free port; resolves with that port once
   * `probePath` answers. As root, the worker runs as root so it can write in the 0700 temp dir.
   */
  async startNginx(http: (prefix: string, port: number) => string, probePath = '/'): Promise<number> {
    const port = await freePort();
    const prefix = join(this.tempDir, 'nginx');
    mkdirSync(join(prefix, 'logs'), { recursive: true });
    const cfg = join(prefix, 'nginx.conf');
    writeFileSync(
      cfg,
      `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
error_log ${prefix}/logs/error.log warn;
pid ${prefix}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi; uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
${http(prefix, port)}
}
`,
    );
    this.children.push(
      spawn('nginx', ['-p', prefix, '-c', cfg, '-g', 'daemon off;'], {
        stdio: ['ignore', 'ignore', 'inherit'],
        detached: true,
      }),
    );
    for (let i = 0; i < 100; i++) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}${probePath}`);
        await res.arrayBuffer();
        if (res.status < 500) return port;
      } catch {}
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('nginx did not start');
  }
}

/** Runs from dist/ when built (as users do), from the sources through tsx otherwise. */
export function nodeEntry(module: string): string[] {
  const built = join('dist', `${module}.js`);
  return existsSync(built) ? [built] : ['--import', 'tsx', join('src', `${module}.ts`)];
}

/** Whether `command` exists, installing Debian's `pkg` if it does not (false if that fails). */
export function ensureCommand(command: string, pkg: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command} || test -x /usr/sbin/${command}`], { stdio: 'ignore' });
    return true;
  } catch {}
  try {
    console.error(`${command} not found: installing Debian package ${pkg}`);
    execFileSync(
      'sh',
      ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkg}`],
      { stdio: 'inherit' },
    );
    return true;
  } catch {
    return false;
  }
}
