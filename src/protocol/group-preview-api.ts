/** Wire schemas of a group's dry run: the machines an unsaved rule or member list would hold now. */
import { z } from 'zod';
import { errorBodySchema } from './errors.js';

/** How many machine names a preview lists (the count covers them all). */
export const PREVIEW_NAMES = 50;

export const groupPreviewRequestSchema = z
  .object({
    kind: z.enum(['static', 'rule']),
    rule: z.string().max(2000).optional().describe('For rule groups, e.g. "role = web and internet_facing".'),
    members: z.array(z.string().max(200)).max(100_000).optional().describe('Machine ids or names (static groups).'),
  })
  .strict();

export const groupPreviewSchema = z.object({
  count: z.number().int().describe('How many machines the group would hold now (of those the caller may see).'),
  machines: z.array(z.string()).describe(`The first ${PREVIEW_NAMES} of their names, sorted.`),
  error: errorBodySchema.shape.error
    .nullable()
    .describe(
      'Why saving this group would be refused (e.g. E_RULE_INVALID with the line and column); null: it would save.',
    ),
});

export type GroupPreviewRequest = z.infer<typeof groupPreviewRequestSchema>;
export type GroupPreviewWire = z.infer<typeof groupPreviewSchema>;
