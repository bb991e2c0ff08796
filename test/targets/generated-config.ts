import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type GatewayConfig, gatewayConfigSchema } from '../../src/stack/gateway/gateway-config.js';
import { defaultGatewayConfig, withClusterOverrides } from '../../src/suite/harness/reference-stack.js';

/** The reference stack's default config over two hosts, with `extra` on top, parsed. */
export function configWith(
  extra: Record<string, unknown> = {},
  cluster: Record<string, unknown> = {},
): GatewayConfig {
  const base = withClusterOverrides(
    defaultGatewayConfig({ hosts: ['http://127.0.0.1:9001', 'http://127.0.0.1:9002'] }),
    cluster,
  );
  return gatewayConfigSchema.parse({ ...base, ...extra });
}

/**
 * Runs a binary's own config check on `text` written to a temp dir (`args(dir, file)`), and
 * resolves with its exit code and output. The dir is removed after.
 */
export async function checkWith(
  binary: string,
  text: (dir: string) => string,
  args: (dir: string, file: string) => string[],
): Promise<{ code: number; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'faultline-target-config-'));
  try {
    const file = join(dir, 'lb.conf');
    await writeFile(file, text(dir));
    try {
      const { stdout, stderr } = await promisify(execFile)(binary, args(dir, file));
      return { code: 0, output: stdout + stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
