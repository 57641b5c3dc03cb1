/**
 * The server's job-signing key pair (Ed25519), made on first start and kept in the data
 * directory with mode 0600. Agents pin the public half at enrollment.
 */
import { existsSync } from 'node:fs';
import { chmod, readFile } from 'node:fs/promises';
import path from 'node:path';
import { generateKeyPair, loadPrivateKey } from '../catalog/native/signing.js';
import { writeFileAtomic } from '../common/atomic-write.js';
import { createPublicKey } from 'node:crypto';

export interface JobSigningKey {
  privateKeyPem: string;
  publicKeyPem: string;
}

/** Loads the key pair, creating it on first start. */
export async function loadOrCreateJobSigningKey(dataDir: string): Promise<JobSigningKey> {
  const file = path.join(dataDir, 'job-signing.key');
  if (!existsSync(file)) {
    const pair = generateKeyPair();
    await writeFileAtomic(file, pair.privateKeyPem, 0o600);
  }
  await chmod(file, 0o600);
  const privateKeyPem = await readFile(file, 'utf8');
  const publicKeyPem = createPublicKey(loadPrivateKey(privateKeyPem, file))
    .export({ type: 'spki', format: 'pem' })
    .toString();
  return { privateKeyPem, publicKeyPem };
}
