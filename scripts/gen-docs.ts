/** Regenerates the documents that come from schemas: docs/CONFIG.md, docs/openapi.json and its client types. */
import { writeFileSync } from 'node:fs';
import { configReference } from '../src/server/config-doc.js';
import { OPENAPI_JSON, OPENAPI_TYPES, openApiJsonText, openApiTypesText } from './openapi-files.js';

writeFileSync(new URL('../docs/CONFIG.md', import.meta.url), configReference());
process.stderr.write('docs/CONFIG.md written\n');
const doc = openApiJsonText();
writeFileSync(OPENAPI_JSON, doc);
process.stderr.write('docs/openapi.json written\n');
writeFileSync(OPENAPI_TYPES, await openApiTypesText(doc));
process.stderr.write('src/protocol/openapi.gen.ts written\n');
