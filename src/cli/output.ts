/** Where a command's report goes: stdout, or a file written atomically. */
import { writeFileAtomic } from '../common/atomic-write.js';

/** Writes the report to `file` (atomically) or to stdout. */
export async function writeOutput(file: string | undefined, text: string): Promise<void> {
  if (file) await writeFileAtomic(file, text);
  else process.stdout.write(text);
}
