import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRoot, removeRoots } from '../../inventory/test-support.js';
import { processesHolding, waitUntilUnlocked } from './busy.js';

afterAll(removeRoots);

describe('waiting for a package manager that is still running', () => {
  it('sees a real process holding the lock file open, and waits until it is gone', async () => {
    const root = await makeRoot({ 'var/lib/dpkg/lock-frontend': '' });
    const lock = path.join(root, 'var/lib/dpkg/lock-frontend');
    // a shell that keeps the lock open on fd 9 for 30 s, as dpkg would
    const holder = spawn('/bin/sh', ['-c', `exec 9<"${lock}"; echo ready; exec sleep 30`], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
    try {
      expect(await processesHolding([lock])).toContain(holder.pid);
      expect(await waitUntilUnlocked(root, ['/var/lib/dpkg/lock-frontend'], 200, 100)).toBe(false);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('close', r));
    }
    expect(await processesHolding([lock])).toEqual([]);
    expect(await waitUntilUnlocked(root, ['/var/lib/dpkg/lock-frontend'], 200, 100)).toBe(true);
  });
});
