/** Regenerates the documents that come from schemas: docs/CONFIG.md. */
import { writeFileSync } from 'node:fs';
import { configReference } from '../src/server/config-doc.js';

writeFileSync(new URL('../docs/CONFIG.md', import.meta.url), configReference());
process.stderr.write('docs/CONFIG.md written\n');
