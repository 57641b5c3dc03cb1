/**
 * Local users' passwords: node:crypto's scrypt (memory-hard), stored as one self-describing string
 * `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>` (PHC string format, base64 without padding), so
 * the parameters can be raised later: a stored hash with other parameters still verifies and is
 * reported as needing a rehash. Comparison is constant-time. Passwords are NFKC-normalised first,
 * so the same password typed on another keyboard or system matches.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { PatchhiveError } from '../../errors.js';

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  ln: number;
  r: number;
  p: number;
}

/** N=2^15, r=8 (32 MiB per hash), p=3: one of OWASP's recommended scrypt settings (equivalent to N=2^17, p=1). */
export const DEFAULT_SCRYPT: ScryptParams = { ln: 15, r: 8, p: 3 };

/** The parameters for a configured cost (config `sessions.scryptLog2N`). */
export function scryptParams(log2N: number): ScryptParams {
  return { ...DEFAULT_SCRYPT, ln: log2N };
}

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function derive(password: string, salt: Buffer, params: ScryptParams, length: number): Promise<Buffer> {
  const N = 2 ** params.ln;
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 2 * 128 * N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, length, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');

/** The stored form of a new password (a fresh random salt each time). */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params, KEY_BYTES);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

/**
 * Whether `password` matches `stored`; `needsRehash` when it matched under other parameters than
 * `current`. A malformed stored hash never matches (it is not an error: the sign-in just fails).
 */
export async function verifyPassword(
  password: string,
  stored: string,
  current: ScryptParams = DEFAULT_SCRYPT,
): Promise<{ ok: boolean; needsRehash: boolean }> {
  const m = PHC.exec(stored);
  if (!m) return { ok: false, needsRehash: false };
  const params: ScryptParams = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  // Bounds keep a tampered row from making the server allocate gigabytes.
  if (params.ln < 10 || params.ln > 20 || params.r < 1 || params.r > 32 || params.p < 1 || params.p > 16)
    return { ok: false, needsRehash: false };
  const expected = Buffer.from(m[5]!, 'base64');
  if (expected.length < 16) return { ok: false, needsRehash: false };
  const actual = await derive(password, Buffer.from(m[4]!, 'base64'), params, expected.length);
  const ok = timingSafeEqual(actual, expected);
  const needsRehash = ok && (params.ln !== current.ln || params.r !== current.r || params.p !== current.p);
  return { ok, needsRehash };
}

const dummies = new Map<string, Promise<string>>();

/**
 * Spends the time of one verification for a user that does not exist or has no password, so the
 * answer's timing does not tell which user names exist.
 */
export async function verifyAgainstDummy(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<void> {
  const key = `${params.ln},${params.r},${params.p}`;
  let dummy = dummies.get(key);
  if (!dummy) {
    dummy = hashPassword(randomBytes(16).toString('hex'), params);
    dummies.set(key, dummy);
  }
  await verifyPassword(password, await dummy, params);
}

/** Throws E_BAD_REQUEST (at `path`) unless the password is acceptable for this user name. */
export function checkPasswordPolicy(password: string, userName: string, path = '$.password'): void {
  const length = [...password.normalize('NFKC')].length;
  const refuse = (why: string) => {
    throw new PatchhiveError('E_BAD_REQUEST', why, { path });
  };
  if (length < MIN_PASSWORD_LENGTH) refuse(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (length > MAX_PASSWORD_LENGTH) refuse(`the password must have at most ${MAX_PASSWORD_LENGTH} characters`);
  const lower = password.normalize('NFKC').trim().toLowerCase();
  const name = userName.normalize('NFKC').trim().toLowerCase();
  if (lower === name || (lower.includes(name) && name.length >= MIN_PASSWORD_LENGTH - 2))
    refuse('the password must not be the user name');
}

/** A random password that passes the policy (for an admin's reset), shown once. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
