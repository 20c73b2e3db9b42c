import type { ReactNode } from 'react';
import { cn } from '@/lib/utils';

export interface DataColumn {
  /** What the column holds; wrap it in `sr-only` for a column of buttons. */
  label: ReactNode;
  /** Padding and alignment, to match the column's cells. */
  className?: string;
}

/**
 * A bordered table that scrolls sideways on a narrow screen. The scrolling box is a named,
 * focusable region so that a keyboard user can scroll it too. Children are its `<tbody>`s.
 */
export function DataTable({
  label,
  caption,
  columns,
  children,
}: {
  label: string;
  caption: string;
  columns: readonly DataColumn[];
  children: ReactNode;
}) {
  return (
    <div className="overflow-x-auto rounded-lg border border-border" tabIndex={0} role="region" aria-label={label}>
      <table className="w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-muted/50 text-xs text-muted-foreground">
          <tr>
            {columns.map((column, index) => (
              <th key={index} scope="col" className={cn('px-3 py-2 font-medium', column.className)}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        {children}
      </table>
    </div>
  );
}
