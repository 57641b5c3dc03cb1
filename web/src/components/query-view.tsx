/**
 * The states of a read, the same on every page: its error in plain words with the API's code, a
 * loader, an empty state that says what to do next, then the data.
 */
import type { ReactNode } from 'react';
import { ErrorNotice, Loading } from './notices';

interface Read<T> {
  error: unknown;
  isPending: boolean;
  data: T | undefined;
}

/** A list answer holds nothing when its `items` are empty. */
function noItems(data: unknown): boolean {
  return (
    typeof data === 'object' && data !== null && 'items' in data && Array.isArray(data.items) && data.items.length === 0
  );
}

export function QueryView<T>(p: {
  query: Read<T>;
  /** What is read, for the loader ("Loading users") and the error ("The users could not be read"). */
  what: string;
  /** The error's title when "The … could not be read" does not fit. */
  errorTitle?: string;
  /** Shown instead of `children` when the data holds nothing: an `EmptyState` saying what to do next. */
  empty?: ReactNode;
  /** Whether the data holds nothing (default: its `items` list is empty). */
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}) {
  const { query, what } = p;
  if (query.error) return <ErrorNotice error={query.error} title={p.errorTitle ?? `The ${what} could not be read`} />;
  if (query.isPending || query.data === undefined) return <Loading what={what} />;
  if (p.empty !== undefined && (p.isEmpty ?? noItems)(query.data)) return <>{p.empty}</>;
  return <>{p.children(query.data)}</>;
}
