import { Tooltip } from '@mantine/core';

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'long' });
const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
  ['month', 12],
  ['year', Infinity],
];

/** "3 hours ago" / "in 2 days" for an ISO time, relative to `now`. */
export function relativeTime(iso: string, now: number = Date.now()): string {
  let amount = (Date.parse(iso) - now) / 1000;
  for (const [unit, size] of STEPS) {
    if (Math.abs(amount) < size) return relative.format(Math.round(amount), unit);
    amount /= size;
  }
  return iso;
}

/** A time in the user's zone, relative, with the absolute time on hover and for screen readers. */
export function Time({ iso, empty = '—' }: { iso: string | null | undefined; empty?: string }) {
  if (!iso) return <span>{empty}</span>;
  const exact = absolute.format(new Date(iso));
  return (
    <Tooltip label={exact} openDelay={300}>
      <time dateTime={iso} title={exact}>
        {relativeTime(iso)}
      </time>
    </Tooltip>
  );
}
