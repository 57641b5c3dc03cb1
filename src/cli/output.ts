/** Where a command's report goes: stdout, or a file (a regular one written atomically). */
import { writeOutputFile } from '../common/atomic-write.js';

/** Writes the report to `file` (see writeOutputFile: atomic for a regular file) or to stdout. */
export async function writeOutput(file: string | undefined, text: string): Promise<void> {
  if (file) await writeOutputFile(file, text);
  else process.stdout.write(text);
}
