import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { readJsonBody, sendError, sendJson } from './http-json.js';

/** How the stub misbehaves, set with `POST /admin/mode`; faults on the wire go through the proxy. */
export const externalStubModeSchema = z
  .object({
    /**
     * Status every answer carries.
     * @default 200
     */
    status: z.number().int().min(200).max(599).default(200),
    /**
     * Delay before every answer, ms.
     * @default 0
     */
    delay_ms: z.number().int().min(0).max(600_000).default(0),
  })
  .strict();
export type ExternalStubMode = z.infer<typeof externalStubModeSchema>;

export interface ExternalStub {
  readonly port: number;
  readonly url: string;
  /** Answers served so far. */
  readonly served: number;
  setMode(mode: Partial<ExternalStubMode>): void;
  close(): Promise<void>;
}

/**
 * The local stand-in for the service's "external" dependency while CHAOS_MOCK_EXTERNAL is on:
 * `GET /` (any path) answers `{"source":"external-stub",…}`; `POST /admin/mode` sets a status
 * and a delay; `GET /admin/mode` shows them.
 */
export async function startExternalStub(
  options: { port?: number; host?: string } = {},
): Promise<ExternalStub> {
  let mode: ExternalStubMode = externalStubModeSchema.parse({});
  let served = 0;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/admin/mode') {
      if (req.method === 'GET') return sendJson(res, 200, mode);
      if (req.method === 'POST') {
        readJsonBody(req)
          .then((body) => {
            const parsed = externalStubModeSchema.safeParse(body ?? {});
            if (!parsed.success) {
              return sendJson(res, 400, {
                error: `bad request body: ${parsed.error.issues[0]?.message}`,
                status: 400,
              });
            }
            mode = parsed.data;
            sendJson(res, 200, mode);
          })
          .catch((err) => sendError(res, err));
        return;
      }
    }
    const answer = () => {
      served++;
      sendJson(res, mode.status, { source: 'external-stub', status: mode.status, served });
    };
    if (mode.delay_ms === 0) return answer();
    const timer = setTimeout(answer, mode.delay_ms);
    res.on('close', () => clearTimeout(timer));
  });
  server.keepAliveTimeout = 10_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${host}:${port}/`,
    get served() {
      return served;
    },
    setMode(next) {
      mode = externalStubModeSchema.parse({ ...mode, ...next });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
