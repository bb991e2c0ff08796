import { z } from 'zod';

/**
 * A field that takes either a live object (TypeScript API: a `Fault`, a `Probe`) or a plain spec
 * (YAML/JSON) parsed by `spec`. Unlike `z.union`, a bad spec reports the spec's own issues, with
 * their paths, instead of "matched neither branch".
 */
export function instanceOrSpec<I, S extends z.ZodType>(
  isInstance: (value: unknown) => value is I,
  spec: S,
): z.ZodType<I | z.output<S>, I | z.input<S>> {
  return z.unknown().transform((value, ctx) => {
    if (isInstance(value)) return value;
    const parsed = spec.safeParse(value);
    if (parsed.success) return parsed.data as z.output<S>;
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue } as Parameters<typeof ctx.addIssue>[0]);
    return z.NEVER;
  }) as unknown as z.ZodType<I | z.output<S>, I | z.input<S>>;
}
