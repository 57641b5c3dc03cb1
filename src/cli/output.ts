/** Where a command's report goes: stdout, or a file written atomically. */
import { PatchhiveError } from '../errors.js';
import { writeFileAtomic } from '../common/atomic-write.js';

/** Writes the report to `file` (atomically) or to stdout. */
export async function writeOutput(file: string | undefined, text: string): Promise<void> {
  if (!file) {
    process.stdout.write(text);
    return;
  }
  try {
    await writeFileAtomic(file, text);
  } catch (err) {
    throw new PatchhiveError('E_INPUT_NOT_FOUND', `cannot write output: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { file });
  }
}
