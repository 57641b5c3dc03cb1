/** Advisory-like prose for generated bulletins, so metadata weighs what real metadata weighs. */
import type { Rng } from './prng.js';

const OPENERS = [
  'A flaw was found in',
  'An issue was discovered in',
  'A heap-based buffer overflow exists in',
  'A use-after-free vulnerability was found in',
  'An integer overflow in',
  'A NULL pointer dereference in',
  'Improper input validation in',
  'A race condition was found in',
  'An out-of-bounds read in',
];
const WHERE = [
  'the parser',
  'the command-line tool',
  'the network code',
  'the archive extraction routine',
  'the TLS handshake',
  'the configuration loader',
  'the regular expression engine',
  'the image decoder',
  'the authentication module',
];
const IMPACT = [
  'allows a remote attacker to cause a denial of service via a crafted file',
  'may allow a local user to escalate privileges',
  'could lead to arbitrary code execution when processing untrusted input',
  'leads to information disclosure through uninitialised memory',
  'allows a man-in-the-middle attacker to bypass certificate verification',
  'may crash the application when handling a malformed request',
];
const TAILS = [
  'This issue affects versions before the fixed release.',
  'Users are recommended to upgrade.',
  'The vulnerability was reported through the project bug tracker.',
  'Upstream has released a patch.',
  'Exploitation requires user interaction.',
  'NOTE: some third parties dispute the severity of this issue.',
];

/** One to three sentences about `name`, roughly 120–450 characters. */
export function advisoryText(name: string, rng: Rng): string {
  const first = `${rng.pick(OPENERS)} ${rng.pick(WHERE)} of ${name}, which ${rng.pick(IMPACT)}.`;
  const extra = rng.int(3);
  const tails: string[] = [];
  for (let i = 0; i < extra; i++) tails.push(rng.pick(TAILS));
  return [first, ...tails].join(' ');
}
