/** Small formatting helpers for the generated Markdown. */

/** A Markdown table from a header row and body rows. */
export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]): string =>
    `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Milliseconds with sensible precision ("0.42 ms", "12.3 ms", "1,234 ms"). */
export function ms(x: number): string {
  if (x < 1) return `${x.toFixed(2)} ms`;
  if (x < 100) return `${x.toFixed(1)} ms`;
  return `${Math.round(x).toLocaleString('en-US')} ms`;
}

/** Seconds with two decimals. */
export function sec(msValue: number): string {
  return `${(msValue / 1000).toFixed(2)} s`;
}

/** An integer with thousands separators. */
export function int(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

/** KiB as MiB ("812 MiB"); "n/a" when unknown. */
export function kib(x: number | undefined): string {
  return x === undefined ? 'n/a' : `${(x / 1024).toFixed(0)} MiB`;
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** A ratio as "3.4×". */
export function times(x: number): string {
  return `${x.toFixed(x < 10 ? 2 : 1)}×`;
}

/** "a: 1, b: 2" from a record, in the given key order first. */
export function counts(rec: Record<string, number>, order: readonly string[] = []): string {
  const keys = [
    ...order.filter((k) => k in rec),
    ...Object.keys(rec)
      .filter((k) => !order.includes(k))
      .sort(),
  ];
  return keys.map((k) => `${k}: ${int(rec[k]!)}`).join(', ') || 'none';
}
