/** Wire schemas of console sign-in (POST/GET/DELETE /session) and user management (/users, /me/password). */
import { z } from 'zod';
import { ROLES } from './api.js';

const iso = z.string().describe('ISO 8601 time (UTC).');
const userName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[^\s\u0000-\u001f]+$/, 'no spaces or control characters')
  .describe('User name.');
const password = z.string().min(1).max(4096).describe('A password (12 to 1024 characters; not the user name).');
const groups = z
  .array(z.string().min(1).max(200))
  .max(50)
  .nullable()
  .describe(
    "Scope: the groups (ids or names) the user's sessions are limited to; null: the whole fleet. Viewer and operator only.",
  );

export const signInSchema = z
  .union([
    z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(4096) }).strict(),
    z
      .object({ token: z.string().min(1).max(200).describe('An API token: the session gets its role and scope.') })
      .strict(),
  ])
  .describe('Sign in with a user name and password, or with an API token.');

export const sessionSchema = z.object({
  user: z.string(),
  role: z.enum(ROLES),
  groups: z
    .array(z.string())
    .nullable()
    .describe('The scope: names of the groups the session is limited to; null: the whole fleet.'),
  via: z.enum(['password', 'token', 'oidc']),
  csrfToken: z.string().describe('Send it as the x-csrf-token header with every POST, PATCH, PUT and DELETE.'),
  expiresAt: iso.describe('Absolute end of the session (sign in again after it).'),
  idleExpiresAt: iso.describe('End of the session if no request comes before it.'),
});

export const userSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  groups: z.array(z.string()).nullable().describe('The scope (group names); null: the whole fleet.'),
  hasPassword: z.boolean().describe('Whether the user can sign in with a password.'),
  disabledAt: iso.nullable(),
  passwordChangedAt: iso.nullable(),
  createdAt: iso,
});

export const userCreateSchema = z
  .object({
    name: userName,
    role: z.enum(ROLES),
    groups: groups.optional(),
    password: password
      .optional()
      .describe('Initial password; without it the user cannot sign in with a password until an admin sets one.'),
  })
  .strict();

export const userUpdateSchema = z
  .object({
    role: z.enum(ROLES).optional(),
    groups: groups.optional(),
    disabled: z.boolean().optional().describe("A disabled user's sessions and API tokens stop working."),
  })
  .strict();

export const passwordResetSchema = z
  .object({
    password: password.optional().describe('The new password; without it one is generated and answered once.'),
  })
  .strict();

export const passwordResetAnswerSchema = z.object({
  password: z.string().optional().describe('The generated password (shown only in this answer).'),
  sessionsRevoked: z.number().int(),
});

export const passwordChangeSchema = z.object({ currentPassword: password, newPassword: password }).strict();

export const signOutEverywhereSchema = z.object({ sessionsRevoked: z.number().int() });

export type SignIn = z.infer<typeof signInSchema>;
export type SessionWire = z.infer<typeof sessionSchema>;
export type UserWire = z.infer<typeof userSchema>;
export type UserCreate = z.infer<typeof userCreateSchema>;
export type UserUpdate = z.infer<typeof userUpdateSchema>;
