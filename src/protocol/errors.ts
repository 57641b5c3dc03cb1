/** The error body every HTTP error carries: a stable code (src/errors.ts) and a one-line message. */
import { z } from 'zod';

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().describe('Stable error code, e.g. E_MACHINE_NOT_FOUND.'),
      message: z.string().describe('One line for people; never contains secrets.'),
      path: z.string().optional().describe('Where in the request body the problem is (JSON path).'),
    }),
  })
  .describe('An error.');

export type ErrorBody = z.infer<typeof errorBodySchema>;
