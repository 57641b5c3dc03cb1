/** The three states of a read: its error in plain words, a loader, or the data (or an empty state). */
import type { ReactNode } from 'react';
import { ErrorNotice, Loading } from './notices';

interface Read<T> {
  error: unknown;
  isPending: boolean;
  data: T | undefined;
}

export function QueryView<T>(p: {
  query: Read<T>;
  /** What is read, for the loader and the error's title ("users"). */
  what: string;
  /** What to show when the data holds nothing (undefined: show `children` anyway). */
  empty?: (data: T) => ReactNode | undefined;
  children: (data: T) => ReactNode;
}) {
  if (p.query.error) return <ErrorNotice error={p.query.error} title={`The ${p.what} could not be read`} />;
  if (p.query.isPending || p.query.data === undefined) return <Loading what={p.what} />;
  return <>{p.empty?.(p.query.data) ?? p.children(p.query.data)}</>;
}
