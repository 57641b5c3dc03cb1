/** vitest global setup: a fresh answer log directory for this run (see answer-log.ts). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ANSWER_LOG_ENV } from './answer-log.js';

export default function setup(): () => void {
  // Each project of the run calls this; the first one makes the directory, the rest share it.
  if (process.env[ANSWER_LOG_ENV]) return () => {};
  const dir = mkdtempSync(path.join(tmpdir(), 'patchhive-answers-'));
  process.env[ANSWER_LOG_ENV] = dir;
  return () => {
    rmSync(dir, { recursive: true, force: true });
    delete process.env[ANSWER_LOG_ENV];
  };
}
