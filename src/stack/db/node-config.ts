import type { ClientConfig } from 'pg';
import { z } from 'zod';

/** One Postgres node the router or a failover manager talks to. */
export const dbNodeSchema = z.strictObject({
  /** Unique name of the node; the leader lease names the primary by it. @example 'pg-a' */
  name: z.string().min(1),
  /** @default '127.0.0.1' */
  host: z.string().min(1).default('127.0.0.1'),
  /** @example 5432 */
  port: z.number().int().min(1).max(65535),
  /** @default 'postgres' */
  user: z.string().min(1).default('postgres'),
  /** @default 'postgres' */
  database: z.string().min(1).default('postgres'),
  password: z.string().optional(),
  /** Time to establish a connection, ms. @default 1000 */
  connect_timeout_ms: z.number().int().positive().default(1000),
});
export type DbNodeInput = z.input<typeof dbNodeSchema>;
export type DbNode = z.output<typeof dbNodeSchema>;

/** node-postgres connection settings for a node. */
export function clientConfigOf(node: DbNode, applicationName: string): ClientConfig {
  return {
    host: node.host,
    port: node.port,
    user: node.user,
    database: node.database,
    ...(node.password === undefined ? {} : { password: node.password }),
    connectionTimeoutMillis: node.connect_timeout_ms,
    application_name: applicationName,
    keepAlive: true,
  };
}
