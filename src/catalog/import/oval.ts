/** OVAL 5.x importer: stream → raw document → catalog. */
import type { Readable } from 'node:stream';
import type { Catalog } from '../model.js';
import { readOvalStream } from './oval-sax.js';
import { OvalConverter } from './oval-convert.js';

/** Imports an OVAL definitions document; rejects with a located PatchhiveError. */
export async function importOval(
  input: Readable,
  opts: { file: string; name?: string; onBytes?: (n: number) => void },
): Promise<Catalog> {
  const raw = await readOvalStream(input, opts);
  return new OvalConverter(raw, opts.file).convert(opts.name ?? opts.file);
}

/** Cheap content sniff on the first bytes of a file. */
export function looksLikeOval(head: string): boolean {
  return /<(\w+:)?oval_definitions[\s>]/.test(head);
}
