import { z } from 'zod';

/* Kept apart from mirror/config.ts (which needs ConfigError) so server/config.ts imports it with no cycle. */

/** The `mirrors:` list of the YAML file; `--mirror` flags arrive in the same shape. */
export const mirrorsLayerSchema = z.array(
  z
    .object({
      url: z.string(),
      prefix: z.string(),
      username: z.string(),
      password: z.string(),
      password_file: z.string(),
      ca_file: z.string(),
      tag_ttl_seconds: z.union([z.number(), z.string()]),
    })
    .partial()
    .strict(),
);

export type MirrorLayer = z.infer<typeof mirrorsLayerSchema>[number];
