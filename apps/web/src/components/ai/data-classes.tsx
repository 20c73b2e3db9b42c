'use client';
import { RotateCcw } from 'lucide-react';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { DataTable } from '@/components/ui/data-table';
import { SaveMessage, type SaveOutcome } from '@/components/ui/save-message';
import type { ClassSetting } from '@/lib/ai-api';
import { saveDataClassAction } from '@/lib/actions/ai';
import { ClassRuleCells, classColumns } from './class-rule-cells';

const typeWords: Record<string, string> = {
  person: 'Contacts',
  organization: 'Organisations',
  note: 'Notes',
  message: 'Messages',
  call: 'Calls (recordings, transcripts)',
  calendar_event: 'Calendar events',
  place: 'Places (location)',
  file: 'Files',
  task: 'Tasks',
};

const CLASS_COLUMNS = classColumns('Kind');

/** One row per entity type: its class, and whether a redacted copy may go to the cloud. Saved as it changes. */
export function DataClasses({ initial }: { initial: ClassSetting[] }) {
  const [classes, setClasses] = useState(initial);
  const [pending, setPending] = useState<string>();
  const [message, setMessage] = useState<SaveOutcome>();

  async function save(entityType: string, rule: { dataClass: 'normal' | 'sensitive'; cloudRedacted: boolean } | null) {
    setPending(entityType);
    setMessage(undefined);
    const result = await saveDataClassAction(entityType, rule);
    setPending(undefined);
    if (!result.ok) return setMessage({ tone: 'error', text: result.error });
    setClasses(result.data);
    setMessage({ tone: 'ok', text: `Saved for ${typeWords[entityType] ?? entityType}.` });
  }

  return (
    <div className="grid gap-3">
      <DataTable label="Data classes" caption="Data class per kind of item" columns={CLASS_COLUMNS}>
        <tbody>
          {classes.map((c) => {
            const label = typeWords[c.entityType] ?? c.entityType;
            return (
              <tr key={c.entityType} className="border-t border-border">
                <th scope="row" className="px-2 py-2 sm:px-3 text-left font-normal">
                  {label}
                </th>
                <ClassRuleCells
                  label={label}
                  rule={c}
                  disabled={pending === c.entityType}
                  onChange={(rule) => void save(c.entityType, rule)}
                />
                <td className="px-2 py-2 sm:px-3 text-right">
                  {!c.isDefault && (
                    <Button
                      type="button"
                      variant="ghost"
                      size="sm"
                      onClick={() => void save(c.entityType, null)}
                      aria-label={`Reset ${label} to the default`}
                    >
                      <RotateCcw aria-hidden />
                      <span className="max-sm:hidden">Reset</span>
                    </Button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </DataTable>
      <SaveMessage message={message} />
    </div>
  );
}
