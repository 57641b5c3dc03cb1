/**
 * The job-signing key set on disk: `<data-dir>/job-signing-keys.json`, mode 0600, written
 * atomically. It replaces the single `job-signing.key` of earlier versions, which seeds it as the
 * active key on first load and is then rewritten with whichever key is active (so a tool that reads
 * that file sees the key that signs). The set belongs to one server node's data directory; several
 * nodes must share it (see docs/KEYS.md).
 */
import { existsSync } from 'node:fs';
import { chmod, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { generateKeyPair } from '../catalog/native/signing.js';
import { writeFileAtomic } from '../common/atomic-write.js';
import { parseJsonLocated, zodToPatchhiveError } from '../common/json-input.js';
import { keyFingerprint } from '../protocol/server-key.js';
import { loadOrCreateJobSigningKey } from './keys.js';
import type { KeySet } from './key-set.js';

export const KEY_SET_FILE = 'job-signing-keys.json';
const SCHEMA = 'patchhive.job-signing-keys/1';

const keySetFileSchema = z.object({
  schema: z.literal(SCHEMA),
  changedAt: z.string(),
  keys: z
    .array(
      z.object({
        fingerprint: z.string(),
        publicKeyPem: z.string(),
        privateKeyPem: z.string(),
        state: z.enum(['active', 'retiring', 'retired']),
        createdAt: z.string(),
        retiringSince: z.string().nullable(),
        retiredAt: z.string().nullable(),
      }),
    )
    .min(1),
});

/** Loads the key set, seeding it from `job-signing.key` (made when absent) on first load. */
export async function loadKeySet(dataDir: string, now: string): Promise<KeySet> {
  const file = path.join(dataDir, KEY_SET_FILE);
  if (!existsSync(file)) {
    const legacy = await loadOrCreateJobSigningKey(dataDir);
    const set: KeySet = {
      changedAt: now,
      keys: [
        {
          ...legacy,
          fingerprint: keyFingerprint(legacy.publicKeyPem),
          state: 'active',
          createdAt: now,
          retiringSince: null,
          retiredAt: null,
        },
      ],
    };
    await saveKeySet(dataDir, set);
    return set;
  }
  await chmod(file, 0o600);
  const parsed = keySetFileSchema.safeParse(parseJsonLocated(await readFile(file, 'utf8'), file));
  if (!parsed.success) throw zodToPatchhiveError(parsed.error, file, 'the job-signing key set is invalid');
  return { changedAt: parsed.data.changedAt, keys: parsed.data.keys };
}

/** Writes the set (mode 0600, atomically), then mirrors the active private key into `job-signing.key`. */
export async function saveKeySet(dataDir: string, set: KeySet): Promise<void> {
  await writeFileAtomic(
    path.join(dataDir, KEY_SET_FILE),
    `${JSON.stringify({ schema: SCHEMA, ...set }, null, 2)}\n`,
    0o600,
  );
  const active = set.keys.find((k) => k.state === 'active');
  if (active) await writeFileAtomic(path.join(dataDir, 'job-signing.key'), active.privateKeyPem, 0o600);
}

/** A new Ed25519 key pair with its fingerprint. */
export function newSigningKey(): { publicKeyPem: string; privateKeyPem: string; fingerprint: string } {
  const pair = generateKeyPair();
  return {
    publicKeyPem: pair.publicKeyPem,
    privateKeyPem: pair.privateKeyPem,
    fingerprint: keyFingerprint(pair.publicKeyPem),
  };
}
