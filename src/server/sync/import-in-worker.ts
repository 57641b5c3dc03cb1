/**
 * Imports a downloaded feed copy in a worker thread, so that parsing a feed of hundreds of
 * megabytes never stalls the server's event loop (check-ins, /healthz). The result comes back in
 * batches: each is deserialised in its own turn of the event loop, and the worker sends the next
 * only when asked, so requests are served between batches.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { emptyCatalog, type Catalog } from '../../catalog/model.js';
import { PatchhiveError } from '../../errors.js';
import type { BulletinRecord, SourceRecord } from '../../store/ports.js';
import type { ImportMessage, ImportRequest } from './import-protocol.js';

/** A feed copy imported: the catalog, and its bulletin records when asked for. */
export interface ImportedCopy {
  catalog: Catalog;
  records: BulletinRecord[];
}

/**
 * The worker beside this module, with this module's extension: dist/ runs import-worker.js; the
 * tests run the .ts sources through tsx, whose loader a worker must register for itself first.
 */
function startWorker(request: ImportRequest): Worker {
  const ts = import.meta.url.endsWith('.ts');
  const entry = new URL(`./import-worker.${ts ? 'ts' : 'js'}`, import.meta.url);
  if (!ts) return new Worker(entry, { workerData: request });
  // tsx's ESM API (its package exports map it for `import` only, which vitest cannot resolve).
  const tsxDir = path.dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsxApi = pathToFileURL(path.join(tsxDir, 'dist/esm/api/index.mjs')).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData: request });
}

/**
 * Verifies and imports the copy at `catalogPath` like loadSourceCopy, in a worker thread. Rejects
 * with the worker's PatchhiveError (feed named by `label`), or E_INTERNAL if the worker dies.
 */
export function importCopyInWorker(
  catalogPath: string,
  source: SourceRecord,
  label: string,
  opts: { withRecords: boolean },
): Promise<ImportedCopy> {
  const worker = startWorker({ catalogPath, source, label, withRecords: opts.withRecords });
  const catalog = emptyCatalog(source.name, 'unknown');
  const records: BulletinRecord[] = [];
  return new Promise<ImportedCopy>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.on('message', (msg: ImportMessage) => {
      switch (msg.kind) {
        case 'head':
          catalog.name = msg.name;
          catalog.format = msg.format;
          break;
        case 'bulletins':
          for (const b of msg.items) catalog.bulletins.push(b);
          break;
        case 'definitions':
          for (const [k, v] of msg.items) catalog.definitions.set(k, v);
          break;
        case 'variables':
          for (const [k, v] of msg.items) catalog.variables.set(k, v);
          break;
        case 'records':
          for (const r of msg.items) records.push(r);
          break;
        case 'done':
          return settle(() => resolve({ catalog, records }));
        case 'error':
          return settle(() => reject(new PatchhiveError(msg.code, msg.message, msg.location)));
      }
      // Ask for the next batch on a later turn, after the requests that queued meanwhile.
      setImmediate(() => worker.postMessage('next'));
    });
    worker.on('error', (err: Error) =>
      settle(() =>
        reject(
          new PatchhiveError(
            'E_INTERNAL',
            `the feed import worker failed: ${err.message.split('\n')[0]}`,
            { file: label },
            { cause: err },
          ),
        ),
      ),
    );
    worker.on('exit', (code) =>
      settle(() =>
        reject(
          new PatchhiveError('E_INTERNAL', `the feed import worker exited (code ${code}) before it finished`, {
            file: label,
          }),
        ),
      ),
    );
  });
}
