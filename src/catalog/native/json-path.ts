/** JSON paths for messages ("$.bulletins[2].fixes[0].installed") and for criterion ids. */

export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Formats path segments as "$.a[0].b"; keys that are not identifiers are quoted: $["a b"]. */
export function formatJsonPath(segments: readonly PathSegment[], root = '$'): string {
  let out = root;
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (IDENTIFIER.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}
