/**
 * A large list as an accessible table that keeps only the visible rows in the DOM (TanStack Table
 * for columns and sorting, TanStack Virtual for the window). Rows come page by page from the server:
 * either `onNeedMore` is called as the window nears the end of what is loaded (an infinite list), or,
 * for a list one jumps around in, `onRangeChange` says which rows are visible and `rows` holds the
 * loaded ones from `rowsOffset` on. Either way 100,000 rows scroll with a few dozen elements on the page.
 */
import { Box, Text, UnstyledButton } from '@mantine/core';
import {
  flexRender,
  getCoreRowModel,
  useReactTable,
  type ColumnDef,
  type OnChangeFn,
  type SortingState,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import classes from './virtual-table.module.css';

export interface VirtualTableProps<T> {
  label: string;
  // Columns of different value types share one array: TanStack Table types each through its accessor.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  columns: ColumnDef<T, any>[];
  rows: T[];
  /** The position of `rows[0]` in the whole list (default 0): rows before and after it show as loading. */
  rowsOffset?: number;
  /** How many rows the server has in all (the scrollbar's length). */
  total: number;
  /** Asks for the next page; called again only after `rows` grew. */
  onNeedMore?: () => void;
  /** Tells which rows are in (or near) the window, first and last index, whenever that changes. */
  onRangeChange?: (first: number, last: number) => void;
  sorting?: SortingState;
  onSortingChange?: OnChangeFn<SortingState>;
  rowKey: (row: T) => string;
  rowHeight?: number;
  /** The grid's column widths, e.g. "2fr 1fr 120px". */
  template: string;
  height?: string;
}

export function VirtualTable<T>(p: VirtualTableProps<T>) {
  const rowHeight = p.rowHeight ?? 40;
  const table = useReactTable({
    data: p.rows,
    columns: p.columns,
    getCoreRowModel: getCoreRowModel(),
    manualSorting: true,
    state: { sorting: p.sorting ?? [] },
    onSortingChange: p.onSortingChange,
    enableSortingRemoval: false,
    getRowId: p.rowKey,
  });
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: p.total,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 10,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items.at(-1)?.index ?? 0;
  const { rows } = table.getRowModel();
  const offset = p.rowsOffset ?? 0;
  const loaded = offset + rows.length;
  const { onNeedMore, onRangeChange } = p;
  useEffect(() => {
    if (onNeedMore && loaded < p.total && last >= loaded - 20) onNeedMore();
  }, [last, loaded, p.total, onNeedMore]);
  useEffect(() => {
    onRangeChange?.(first, last);
  }, [first, last, onRangeChange]);

  return (
    <Box
      ref={scroller}
      className={classes.scroller}
      style={{ height: p.height ?? 'calc(100dvh - 220px)' }}
      role="table"
      aria-label={p.label}
      aria-rowcount={p.total + 1}
      tabIndex={0}
    >
      <div role="rowgroup" className={classes.head}>
        {table.getHeaderGroups().map((hg) => (
          <div
            role="row"
            aria-rowindex={1}
            key={hg.id}
            className={classes.row}
            style={{ gridTemplateColumns: p.template }}
          >
            {hg.headers.map((h) => {
              const sorted = h.column.getIsSorted();
              const label = flexRender(h.column.columnDef.header, h.getContext());
              return (
                <div
                  role="columnheader"
                  key={h.id}
                  className={classes.cell}
                  aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
                >
                  {h.column.getCanSort() && p.onSortingChange ? (
                    <UnstyledButton onClick={h.column.getToggleSortingHandler()} className={classes.sort}>
                      {label}
                      <span aria-hidden="true">{sorted === 'asc' ? ' ▲' : sorted === 'desc' ? ' ▼' : ''}</span>
                    </UnstyledButton>
                  ) : (
                    label
                  )}
                </div>
              );
            })}
          </div>
        ))}
      </div>
      <div role="rowgroup" style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {items.map((v) => {
          const row = v.index >= offset ? rows[v.index - offset] : undefined;
          return (
            <div
              role="row"
              aria-rowindex={v.index + 2}
              key={row?.id ?? `loading-${v.index}`}
              className={`${classes.row} ${classes.bodyRow}`}
              style={{ gridTemplateColumns: p.template, height: rowHeight, transform: `translateY(${v.start}px)` }}
            >
              {row ? (
                row.getVisibleCells().map((c) => (
                  <div role="cell" key={c.id} className={classes.cell}>
                    {flexRender(c.column.columnDef.cell, c.getContext())}
                  </div>
                ))
              ) : (
                <div role="cell" className={classes.cell}>
                  <Text size="sm" c="dimmed">
                    Loading…
                  </Text>
                </div>
              )}
            </div>
          );
        })}
      </div>
    </Box>
  );
}
