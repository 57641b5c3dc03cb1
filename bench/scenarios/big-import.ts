/**
 * Child process, scenario 3: imports one large OVAL document with importOval(createReadStream(file)).
 * argv: <file>
 */
import { createReadStream, statSync } from 'node:fs';
import { importOval } from '../../src/catalog/import/oval.js';
import { reportToParent, retainedHeapMb, timed } from '../measure.js';

export interface BigImportResult {
  bytes: number;
  ms: number;
  mbPerSecond: number;
  bulletins: number;
  definitions: number;
  /** Heap still in use with the imported catalog alive, after a full GC. */
  heapWithCatalogMb: number;
}

const file = process.argv[2]!;
const bytes = statSync(file).size;
let read = 0;
let nextLog = 25 * 2 ** 20;
const t = await timed(() =>
  importOval(createReadStream(file, { highWaterMark: 1 << 20 }), {
    file,
    onBytes: (n) => {
      read += n;
      if (read >= nextLog) {
        process.stderr.write(
          `  [big-import] read ${(read / 2 ** 20).toFixed(0)} / ${(bytes / 2 ** 20).toFixed(0)} MiB\n`,
        );
        nextLog += 25 * 2 ** 20;
      }
    },
  }),
);
const catalog = t.value;
const result: BigImportResult = {
  bytes,
  ms: t.ms,
  mbPerSecond: bytes / 2 ** 20 / (t.ms / 1000),
  bulletins: catalog.bulletins.length,
  definitions: catalog.definitions.size,
  heapWithCatalogMb: retainedHeapMb(),
};
process.stderr.write(
  `  [big-import] ${result.bulletins} bulletins in ${(t.ms / 1000).toFixed(1)} s (${result.mbPerSecond.toFixed(1)} MiB/s)\n`,
);
reportToParent(result);
