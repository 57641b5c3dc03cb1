/** Text helpers of the message builders: one-line fields, HTML escaping, bounded lists. Pure. */
import type { NotificationEvent } from '../../store/ports.js';

/** One notification, ready for any channel: a subject, plain text, optional HTML and the event's data. */
export interface NotificationMessage {
  event: NotificationEvent;
  /** Deduplicates: a message with a key already queued for a channel is not queued again. */
  key: string;
  subject: string;
  text: string;
  html?: string;
  /** The event's facts (the webhook body's `data`). */
  data: Record<string, unknown>;
}

/** Lines listed in a text/HTML body before "… and N more". */
export const MAX_LISTED_LINES = 50;

/** Rows carried in `data` before the list is cut (the webhook body stays bounded). */
export const MAX_DATA_ROWS = 1000;

/** Collapses whitespace (CR/LF included: feed text never splits a header) and bounds the length. */
export function oneLine(s: string, max = 200): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The first MAX_LISTED_LINES lines, plus a line saying how many were left out. */
export function boundedLines(lines: string[]): string[] {
  if (lines.length <= MAX_LISTED_LINES) return lines;
  return [...lines.slice(0, MAX_LISTED_LINES), `… and ${lines.length - MAX_LISTED_LINES} more`];
}

/** A simple HTML body: a heading, paragraphs and an optional bulleted list, all escaped. */
export function simpleHtml(heading: string, paragraphs: string[], items: string[] = []): string {
  const parts = [`<h2>${escapeHtml(heading)}</h2>`, ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`)];
  if (items.length > 0)
    parts.push(
      `<ul>${boundedLines(items)
        .map((i) => `<li>${escapeHtml(i)}</li>`)
        .join('')}</ul>`,
    );
  return `<!doctype html><html><body>${parts.join('')}</body></html>`;
}

/** "1 machine" / "3 machines". */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
