import { createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConnectionsFault, createFault, FaultConfigError } from '../../../src/chaos/faults/index.js';
import { freePort, ProcessSupervisor } from '../../../src/chaos/process/index.js';
import { faultContext } from './helpers.js';
import { postgresUnavailable, startPostgres, type ThrowawayPostgres } from './postgres-fixture.js';

let server: Server | undefined;
let fault: ConnectionsFault | undefined;
let supervisor: ProcessSupervisor | undefined;
let postgres: ThrowawayPostgres | undefined;
afterEach(async () => {
  await fault?.revert();
  if (server) await new Promise((r) => server?.close(r));
  await supervisor?.stopAll(2000);
  postgres?.cleanup();
  fault = server = supervisor = postgres = undefined;
});

/** A TCP server that tracks its open sockets and lets a test wait for a count. */
async function countingServer() {
  const sockets = new Set<Socket>();
  const waiters: { n: number; resolve: () => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (sockets.size === w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      check();
    });
    check();
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    get open() {
      return sockets.size;
    },
    waitFor: (n: number) =>
      new Promise<void>((resolve) => {
        waiters.push({ n, resolve });
        check();
      }),
  };
}

describe('connections (tcp)', () => {
  it('opens and holds N connections, and closes them all on revert', async () => {
    const target = await countingServer();
    fault = createFault({
      kind: 'connections',
      port: target.port,
      count: 40,
      concurrency: 8,
    }) as ConnectionsFault;
    await fault.inject(faultContext());
    expect(fault.open).toBe(40);
    expect(fault.failed).toBe(0);
    await target.waitFor(40);
    await fault.revert();
    await target.waitFor(0);
    expect(fault.open).toBe(0);
    await fault.revert();
  });

  it('counts refused connections instead of throwing', async () => {
    const port = await freePort();
    fault = createFault({ kind: 'connections', port, count: 5 }) as ConnectionsFault;
    await fault.inject(faultContext());
    expect(fault.open).toBe(0);
    expect(fault.failed).toBe(5);
    expect(fault.error).toMatch(/ECONNREFUSED/);
  });

  it('needs a port for tcp and a url for postgres', () => {
    expect(() => createFault({ kind: 'connections' })).toThrow(FaultConfigError);
    expect(() => createFault({ kind: 'connections', protocol: 'postgres' })).toThrow(/need "url"/);
  });
});

const noPostgres = postgresUnavailable();

describe.skipIf(noPostgres !== null)(
  `connections (postgres)${noPostgres ? ` — skipped: ${noPostgres}` : ''}`,
  () => {
    async function clientBackends(url: string): Promise<number> {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const res = await client.query(
          "select count(*)::int as n from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()",
        );
        return res.rows[0].n as number;
      } finally {
        await client.end();
      }
    }

    it('holds Postgres backends, exhausts max_connections, and releases them on revert', async () => {
      supervisor = new ProcessSupervisor();
      postgres = await startPostgres(supervisor, 'pg', 20);
      fault = createFault({
        kind: 'connections',
        protocol: 'postgres',
        url: postgres.url,
        count: 8,
      }) as ConnectionsFault;
      await fault.inject(faultContext());
      expect(fault.open).toBe(8);
      expect(await clientBackends(postgres.url)).toBe(8);
      await fault.revert();
      // Backends exit asynchronously after the client's Terminate message.
      let n = await clientBackends(postgres.url);
      for (let i = 0; n > 0 && i < 100; i++) {
        await new Promise((r) => setTimeout(r, 20));
        n = await clientBackends(postgres.url);
      }
      expect(n).toBe(0);

      const exhaust = createFault({
        kind: 'connections',
        protocol: 'postgres',
        url: postgres.url,
        count: 30,
      }) as ConnectionsFault;
      fault = exhaust;
      await exhaust.inject(faultContext());
      expect(exhaust.open).toBeLessThanOrEqual(20);
      expect(exhaust.failed).toBeGreaterThanOrEqual(10);
      expect(exhaust.error).toMatch(/too many clients|reserved/);
    });
  },
);
