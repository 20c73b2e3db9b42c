'use client';
import { Plus, X } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import type { CredentialFieldErrors, GenericRow } from '@/lib/settings/credentials';

/**
 * Name/value rows of a record field (a generic credential's headers or query values); values
 * are secrets, typed into password inputs. `kind` is the field's name, `noun` what a row is.
 */
export function GenericRows({
  kind,
  noun,
  legend,
  description,
  keyPlaceholder,
  rows,
  onChange,
  errors,
  controlId,
}: {
  kind: string;
  noun: string;
  legend: string;
  description: string;
  keyPlaceholder: string;
  rows: GenericRow[];
  onChange: (rows: GenericRow[]) => void;
  errors: CredentialFieldErrors;
  controlId: (key: string) => string;
}) {
  const groupError = errors[kind];
  const update = (i: number, patch: Partial<GenericRow>) =>
    onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <fieldset
      className="grid gap-2"
      aria-describedby={`${controlId(kind)}-description${groupError ? ` ${controlId(kind)}-error` : ''}`}
    >
      <legend className="text-sm font-medium">{legend}</legend>
      <p id={`${controlId(kind)}-description`} className="text-xs text-muted-foreground">
        {description}
      </p>
      {rows.map((row, i) => {
        const keyId = controlId(`${kind}.${i}.key`);
        const valueId = controlId(`${kind}.${i}.value`);
        const keyError = errors[`${kind}.${i}.key`];
        const valueError = errors[`${kind}.${i}.value`];
        return (
          <div
            key={i}
            className="grid grid-cols-[minmax(0,1fr)_auto] items-start gap-2 sm:grid-cols-[minmax(0,1fr)_minmax(0,1fr)_auto]"
          >
            <div className="grid gap-1">
              <Label htmlFor={keyId}>{rows.length > 1 ? `${noun} ${i + 1} name` : `${noun} name`}</Label>
              <Input
                id={keyId}
                value={row.key}
                onChange={(e) => update(i, { key: e.target.value })}
                autoComplete="off"
                spellCheck={false}
                placeholder={keyPlaceholder}
                className="font-mono"
                {...(keyError ? { 'aria-invalid': true, 'aria-describedby': `${keyId}-error` } : {})}
              />
              {keyError && (
                <p id={`${keyId}-error`} className="text-sm text-destructive">
                  {keyError}
                </p>
              )}
            </div>
            <div className="col-start-1 grid gap-1 sm:col-start-2">
              <Label htmlFor={valueId}>{rows.length > 1 ? `${noun} ${i + 1} value` : `${noun} value`}</Label>
              <Input
                id={valueId}
                type="password"
                value={row.value}
                onChange={(e) => update(i, { value: e.target.value })}
                autoComplete="new-password"
                spellCheck={false}
                className="font-mono"
                {...(valueError ? { 'aria-invalid': true, 'aria-describedby': `${valueId}-error` } : {})}
              />
              {valueError && (
                <p id={`${valueId}-error`} className="text-sm text-destructive">
                  {valueError}
                </p>
              )}
            </div>
            <Button
              variant="ghost"
              size="icon"
              className="col-start-2 row-span-2 row-start-1 mt-5 sm:col-start-3 sm:row-span-1"
              aria-label={`Remove ${noun.toLowerCase()} ${i + 1}`}
              onClick={() => onChange(rows.filter((_, j) => j !== i))}
            >
              <X aria-hidden="true" />
            </Button>
          </div>
        );
      })}
      {groupError && (
        <p id={`${controlId(kind)}-error`} className="text-sm text-destructive">
          {groupError}
        </p>
      )}
      <div>
        <Button variant="outline" size="sm" onClick={() => onChange([...rows, { key: '', value: '' }])}>
          <Plus aria-hidden="true" /> Add {noun.toLowerCase()}
        </Button>
      </div>
    </fieldset>
  );
}
