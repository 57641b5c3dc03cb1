/**
 * A small table (a few hundred rows at most, all in the DOM): named for screen readers, with a header
 * row, an empty state, and a scroll area that keeps it usable on a phone. Large lists use VirtualTable.
 */
import { ScrollArea, Table, VisuallyHidden } from '@mantine/core';
import type { CSSProperties, ReactNode } from 'react';

export interface Column<T> {
  /** The header; a string with `hideHeader` is heard by screen readers only (e.g. over buttons). */
  header: ReactNode;
  hideHeader?: boolean;
  cell: (row: T) => ReactNode;
  /** The column's width or least width in pixels. */
  w?: number;
  miw?: number;
  /** The cells' style, e.g. `{ overflowWrap: 'anywhere' }` for long values. */
  style?: CSSProperties;
}

/** A column left out: `canEdit && { … }`. */
type MaybeColumn<T> = Column<T> | false | null | undefined;

export function SimpleTable<T>(p: {
  /** The table's accessible name. */
  label: string;
  columns: MaybeColumn<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string;
  /** Below this width (pixels) the table scrolls sideways instead of squeezing its columns. */
  minWidth: number;
  highlightOnHover?: boolean;
  /** Shown instead of the table when there are no rows. */
  empty?: ReactNode;
}) {
  if (p.rows.length === 0 && p.empty !== undefined) return <>{p.empty}</>;
  const columns = p.columns.filter((c): c is Column<T> => Boolean(c));
  return (
    // Focusable, so that a keyboard can scroll a table wider than the screen.
    <ScrollArea type="auto" viewportProps={{ tabIndex: 0 }}>
      <Table striped highlightOnHover={p.highlightOnHover} miw={p.minWidth} aria-label={p.label}>
        <Table.Thead>
          <Table.Tr>
            {columns.map((c, i) => (
              <Table.Th key={i} w={c.w} miw={c.miw}>
                {c.hideHeader ? <VisuallyHidden>{c.header}</VisuallyHidden> : c.header}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {p.rows.map((row) => (
            <Table.Tr key={p.rowKey(row)}>
              {columns.map((c, i) => (
                <Table.Td key={i} style={c.style}>
                  {c.cell(row)}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea>
  );
}
