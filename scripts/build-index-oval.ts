// Usage: tsx scripts/build-index-oval.ts <Packages.xz> <out.xml>
// Writes one OVAL "patch" definition per binary package of a Debian 12 Packages index.
import { writeFileSync } from 'node:fs';
import { buildIndexOval, parsePackagesIndex, readXz } from '../test/support/index-oval.js';

const [input, output] = process.argv.slice(2);
if (input === undefined || output === undefined) {
  console.error('usage: tsx scripts/build-index-oval.ts <Packages.xz> <out.xml>');
  process.exit(2);
}
const text = readXz(input);
const xml = buildIndexOval(text, { release: '12' });
writeFileSync(output, xml);
const { packages, stanzas, duplicateNames } = parsePackagesIndex(text);
console.error(
  `${output}: ${packages.length} definitions from ${stanzas} stanzas ` +
    `(${duplicateNames.length} names repeated, highest version kept), ${Buffer.byteLength(xml)} bytes`,
);
