import { isAbsolute, resolve } from 'node:path';
import { CAPABILITIES, type Capability } from '../capability.js';
import type { Target } from '../target.js';
import { startExternalEntry } from './external-entry.js';
import { externalInstances } from './external-instances.js';
import type { ExternalStackFile } from './load-external-target.js';

/**
 * The `external` target: a user's own stack, described in a file (`--target external:FILE`).
 * Its instances replace the reference-service instances (each behind its fault proxy), its
 * entry replaces the generated load balancer. Its capabilities are what the file declares;
 * `admin_state` and `embedded_stack` it never has, and `instance_processes` only when every
 * instance is a command Faultline starts or an address with its `process` (pid file, start). Negative controls do not run on it.
 */
export function externalTarget(file: ExternalStackFile): Target {
  const declared = new Set<Capability>(file.spec.capabilities);
  const fileName = file.path;
  const uncontrolled = file.spec.instances.find((i) => i.address && !i.process);
  const capabilities = Object.fromEntries(
    (Object.keys(CAPABILITIES) as Capability[]).map((c): [Capability, true | string] => {
      switch (c) {
        case 'admin_state':
          return [
            c,
            'an external balancer has no Faultline admin API (the scenario reads it for its verdict)',
          ];
        case 'embedded_stack':
          return [
            c,
            "the scenario's harness starts Faultline's own stack and has not been ported to targets",
          ];
        case 'instance_processes':
          return [
            c,
            uncontrolled
              ? `instance ${uncontrolled.name} is an address with no process (pid_file, start) in ${fileName}: Faultline cannot kill and restart it`
              : true,
          ];
        default:
          return [
            c,
            declared.has(c)
              ? true
              : `not declared in ${fileName} (add ${c} to its capabilities if your stack has it)`,
          ];
      }
    }),
  ) as Record<Capability, true | string>;
  const command = file.spec.entry.command?.[0];
  return {
    name: `external:${file.name}`,
    title: `your stack, described in ${fileName}`,
    capabilities,
    controls: `negative controls rewrite Faultline's gateway config, and external:${file.name} runs your balancer with its own config`,
    ...(command
      ? {
          binary: {
            name: command,
            install: `install ${command}, or fix entry.command in ${fileName}`,
            ...(command.includes('/')
              ? { paths: [isAbsolute(command) ? command : resolve(file.dir, command)] }
              : {}),
          },
        }
      : {}),
    instances: externalInstances(file),
    start: (options) => startExternalEntry(file, options),
  };
}
