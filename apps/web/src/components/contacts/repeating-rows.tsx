'use client';
import { Plus, X } from 'lucide-react';
import type { ReactNode } from 'react';
import { Button } from '@/components/ui/button';

/**
 * A list of small sub-forms (dates, addresses, custom fields) with Add and Remove buttons.
 * Each row is a group named after its position, so screen readers hear "Date 2" before its fields.
 */
export function RepeatingRows<T>({
  legend,
  noun,
  rows,
  onChange,
  empty,
  renderRow,
  error,
  id,
}: {
  legend: string;
  noun: string;
  rows: T[];
  onChange: (rows: T[]) => void;
  empty: () => T;
  renderRow: (row: T, index: number, update: (patch: Partial<T>) => void) => ReactNode;
  error?: string | undefined;
  id: string;
}) {
  const update = (index: number) => (patch: Partial<T>) =>
    onChange(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  return (
    <fieldset className="grid gap-2" aria-describedby={error ? `${id}-error` : undefined}>
      <legend className="mb-1 text-sm font-medium">{legend}</legend>
      {rows.map((row, index) => (
        <div
          key={index}
          role="group"
          aria-label={`${noun} ${index + 1}`}
          className="grid gap-2 rounded-md border border-border p-3 sm:grid-cols-[1fr_auto]"
        >
          <div className="grid gap-2 sm:grid-cols-2">{renderRow(row, index, update(index))}</div>
          <Button
            variant="ghost"
            size="sm"
            className="justify-self-start sm:self-start"
            aria-label={`Remove ${noun.toLowerCase()} ${index + 1}`}
            onClick={() => onChange(rows.filter((_, i) => i !== index))}
          >
            <X aria-hidden="true" />
          </Button>
        </div>
      ))}
      <div>
        <Button variant="outline" size="sm" onClick={() => onChange([...rows, empty()])}>
          <Plus aria-hidden="true" /> Add {noun.toLowerCase()}
        </Button>
      </div>
      {error && (
        <p id={`${id}-error`} className="text-sm text-destructive">
          {error}
        </p>
      )}
    </fieldset>
  );
}
