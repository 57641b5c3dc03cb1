/**
 * Worker-thread entry: imports one downloaded feed copy (format and signature checks, parsing,
 * conversion, the bulletin records with their content hashes) away from the server's event loop,
 * then hands the result back in batches, one batch per request of the main thread, so that
 * receiving a huge catalog never blocks it for long either. See import-in-worker.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { once } from 'node:events';
import { PatchhiveError } from '../../errors.js';
import { bulletinRecordsOf } from './catalog-diff.js';
import { loadSourceCopy } from './load-copy.js';
import type { ImportMessage, ImportRequest } from './import-protocol.js';

const BATCH = 500;

async function send(msg: ImportMessage): Promise<void> {
  parentPort!.postMessage(msg);
  if (msg.kind === 'done' || msg.kind === 'error') return;
  await once(parentPort!, 'message'); // the main thread asks for the next batch when it has room
}

async function sendAll<T>(items: T[], wrap: (part: T[]) => ImportMessage): Promise<void> {
  for (let i = 0; i < items.length; i += BATCH) await send(wrap(items.slice(i, i + BATCH)));
}

async function run(req: ImportRequest): Promise<void> {
  try {
    const catalog = await loadSourceCopy(req.catalogPath, req.source, req.label);
    const records = req.withRecords ? bulletinRecordsOf(catalog, req.source.id) : [];
    await send({ kind: 'head', name: catalog.name, format: catalog.format });
    await sendAll(catalog.bulletins, (items) => ({ kind: 'bulletins', items }));
    await sendAll([...catalog.definitions], (items) => ({ kind: 'definitions', items }));
    await sendAll([...catalog.variables], (items) => ({ kind: 'variables', items }));
    await sendAll(records, (items) => ({ kind: 'records', items }));
    await send({ kind: 'done' });
  } catch (err) {
    const e =
      err instanceof PatchhiveError
        ? err
        : new PatchhiveError(
            'E_INTERNAL',
            `importing the feed failed unexpectedly: ${String((err as Error)?.message ?? err).split('\n')[0]}`,
          );
    await send({ kind: 'error', code: e.code, message: e.message, location: e.location });
  }
}

await run(workerData as ImportRequest);
