/**
 * Output files: regular files are replaced atomically; a FIFO or a character device is written
 * into and stays what it was. The device is a node of our own in a temporary directory (with the
 * null device's numbers), never one under /dev.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeOutputFile } from './atomic-write.js';

const isRoot = process.getuid?.() === 0;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'patchhive-output-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Everything written into the FIFO until the writer closes it. */
function readAll(fifo: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    createReadStream(fifo)
      .on('data', (c) => chunks.push(c as Buffer))
      .on('end', () => resolve(Buffer.concat(chunks)))
      .on('error', reject);
  });
}

describe('writeOutputFile', () => {
  it('writes a new regular file atomically with the mode asked for, leaving no temporary file', async () => {
    const file = path.join(dir, 'out.txt');
    writeFileSync(file, 'old contents that are longer\n');
    await writeOutputFile(file, 'new\n', 0o600);
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['out.txt']);
  });

  it('writes into a FIFO, which stays a FIFO, and its reader gets the bytes', async () => {
    const fifo = path.join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const received = readAll(fifo);
    await writeOutputFile(fifo, 'through the pipe\n');
    expect((await received).toString('utf8')).toBe('through the pipe\n');
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(['pipe']);
  });

  it.runIf(isRoot)(
    'writes into a character device, which stays a device (our own node with the null device numbers)',
    async () => {
      const node = path.join(dir, 'null');
      execFileSync('mknod', [node, 'c', '1', '3']);
      try {
        const before = statSync(node);
        await writeOutputFile(node, 'discarded\n');
        const after = statSync(node);
        expect(after.isCharacterDevice()).toBe(true);
        expect([after.rdev, after.ino]).toEqual([before.rdev, before.ino]);
        expect(readdirSync(dir)).toEqual(['null']);
      } finally {
        rmSync(node, { force: true });
      }
    },
  );

  it('refuses a directory with E_OUTPUT_FAILED naming it', async () => {
    await expect(writeOutputFile(dir, 'x')).rejects.toMatchObject({ code: 'E_OUTPUT_FAILED', location: { file: dir } });
  });
});
