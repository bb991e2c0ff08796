import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresCluster } from '../../../src/chaos/postgres/index.js';
import { clusterUnavailable } from '../../stack/db/cluster-available.js';
import { alive } from '../../support/process-alive.js';

const unavailable = clusterUnavailable();
let cluster: PostgresCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe.skipIf(unavailable !== null)('PostgresCluster', () => {
  it('runs a primary, a streaming standby and etcd on free ports, and removes all of it on close', {
    timeout: 90_000,
  }, async () => {
    cluster = await PostgresCluster.start();
    const [a, b] = cluster.nodes as [
      NonNullable<(typeof cluster.nodes)[0]>,
      NonNullable<(typeof cluster.nodes)[0]>,
    ];
    const primary = new pg.Client({
      host: '127.0.0.1',
      port: a.port,
      user: 'postgres',
      database: 'postgres',
    });
    // A failed assertion must not leave a client behind to crash on the cluster's close.
    primary.on('error', () => {});
    await primary.connect();
    try {
      const { rows } = await primary.query('select application_name, state from pg_stat_replication');
      expect(rows).toEqual([{ application_name: 'pg-b', state: 'streaming' }]);
    } finally {
      await primary.end();
    }
    const standby = new pg.Client({
      host: '127.0.0.1',
      port: b.port,
      user: 'postgres',
      database: 'postgres',
    });
    standby.on('error', () => {});
    await standby.connect();
    try {
      expect((await standby.query('select pg_is_in_recovery() as r')).rows[0].r).toBe(true);
    } finally {
      await standby.end();
    }

    const pids = [cluster.etcd?.process.pid as number, a.pid as number, b.pid as number];
    const ports = [cluster.etcd?.clientPort as number, a.port, b.port];
    const dir = cluster.dir;
    await cluster.close();
    expect(pids.filter(alive)).toEqual([]);
    expect((await Promise.all(ports.map(portOpen))).some(Boolean)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it('leaves no process, port or directory behind when its owner is interrupted (checked from outside)', {
    timeout: 90_000,
  }, async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'cluster-child.ts')],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stderr.on('data', (c) => {
      err += c;
    });
    const owned = await new Promise<{ dir: string; pids: number[]; ports: number[] }>((resolve, reject) => {
      child.stdout.on('data', (c) => {
        out += c;
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve(JSON.parse(line));
      });
      child.once('exit', (code) => reject(new Error(`child exited ${code}: ${err}`)));
    });
    expect(owned.pids.every(alive)).toBe(true);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(owned.pids.filter(alive)).toEqual([]);
    expect((await Promise.all(owned.ports.map(portOpen))).some(Boolean)).toBe(false);
    expect(existsSync(owned.dir)).toBe(false);
    // No process of any kind still names the cluster's directory (postgres backends, etcd).
    expect(spawnSync('pgrep', ['-f', owned.dir]).status).toBe(1);
  });
});
