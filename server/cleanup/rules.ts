import { z } from 'zod';

/**
 * A cleanup rule (Harbor's tag retention, simpler). It applies to the repositories its `repositories` glob
 * matches; among their tags that `match` selects (default: all) it removes those beyond the newest
 * `keepNewest` AND older than `olderThanDays` (either alone when only one is set; neither set: every
 * selected tag). `untagged`: also the repository's untagged manifests (what gc with delete-untagged takes).
 * A tag any rule of its repository protects is never removed, whichever rule would take it.
 */
export const cleanupRuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'an id is lowercase letters, digits and dashes'),
    enabled: z.boolean().default(true),
    repositories: z.string().min(1).max(256).default('*'),
    match: z.array(z.string().min(1).max(128)).max(32).default([]),
    protect: z.array(z.string().min(1).max(128)).max(32).default([]),
    keepNewest: z.number().int().min(0).max(100_000).nullable().default(null),
    olderThanDays: z.number().int().min(0).max(36_500).nullable().default(null),
    untagged: z.boolean().default(false),
  })
  .strict();

export const cleanupSettingsSchema = z
  .object({
    rules: z.array(cleanupRuleSchema).max(100).default([]),
    /** Daily run at this local time (HH:MM), or null for none. */
    dailyAt: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time is HH:MM')
      .nullable()
      .default(null),
    /** Run after pushes (once the registry has been quiet for a minute). */
    afterPush: z.boolean().default(false),
  })
  .strict()
  .superRefine((s, ctx) => {
    const ids = new Set<string>();
    for (const [i, rule] of s.rules.entries()) {
      if (ids.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `two rules are called ${rule.id}` });
      ids.add(rule.id);
    }
  });

export type CleanupRule = z.infer<typeof cleanupRuleSchema>;
export type CleanupSettings = z.infer<typeof cleanupSettingsSchema>;

export const emptyCleanupSettings = (): CleanupSettings => ({ rules: [], dailyAt: null, afterPush: false });

/**
 * Shell-style glob over a whole name: `*` any run of characters, `?` one character, everything else literal.
 * Tag and repository names have no characters a fuller glob dialect would need (no braces, no classes).
 */
export function globMatcher(pattern: string): (name: string) => boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  const re = new RegExp(`^${source}$`);
  return (name) => re.test(name);
}

export const matchesAny = (patterns: readonly string[], name: string): boolean => patterns.some((p) => globMatcher(p)(name));
