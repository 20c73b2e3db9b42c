'use client';
import { RotateCcw } from 'lucide-react';
import Link from 'next/link';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { DataTable } from '@/components/ui/data-table';
import { SaveMessage, type SaveOutcome } from '@/components/ui/save-message';
import type { ClassRule, ContactClass } from '@/lib/ai-api';
import { saveContactClassAction } from '@/lib/actions/ai';
import { ClassRuleCells, classColumns } from './class-rule-cells';

const COLUMNS = classColumns('Contact');

/** Contacts whose own class replaces the kinds' classes: change it, or send them back to the kinds' classes. */
export function ContactClasses({ initial }: { initial: ContactClass[] }) {
  const [contacts, setContacts] = useState(initial);
  const [pending, setPending] = useState<string>();
  const [message, setMessage] = useState<SaveOutcome>();

  async function save(contact: ContactClass, rule: ClassRule | null) {
    setPending(contact.personId);
    setMessage(undefined);
    const result = await saveContactClassAction(contact.personId, rule).catch(() => undefined);
    setPending(undefined);
    if (!result) return setMessage({ tone: 'error', text: 'The hub could not be reached. Try again in a moment.' });
    if (!result.ok) return setMessage({ tone: 'error', text: result.error });
    setContacts(result.data);
    setMessage({
      tone: 'ok',
      text: rule ? `Saved for ${contact.name}.` : `${contact.name}’s items follow their kinds’ classes again.`,
    });
  }

  return (
    <div className="grid gap-3">
      {contacts.length === 0 ? (
        <p className="rounded-lg border border-dashed border-border p-4 text-sm text-muted-foreground">
          No contact has a class of their own. Choose one on a contact’s page, under Summary.
        </p>
      ) : (
        <DataTable label="Contacts and their classes" caption="Data class per contact" columns={COLUMNS}>
          <tbody>
            {contacts.map((c) => (
              <tr key={c.personId} className="border-t border-border">
                <th scope="row" className="px-2 py-2 sm:px-3 text-left font-normal">
                  <Link href={`/contacts/${c.personId}`} className="underline-offset-2 hover:underline">
                    {c.name || 'Unnamed contact'}
                  </Link>
                </th>
                <ClassRuleCells
                  label={c.name}
                  copyOf={`${c.name}’s items`}
                  rule={c}
                  disabled={pending === c.personId}
                  onChange={(rule) => void save(c, rule)}
                />
                <td className="px-2 py-2 sm:px-3 text-right">
                  <Button
                    type="button"
                    variant="ghost"
                    size="sm"
                    disabled={pending === c.personId}
                    onClick={() => void save(c, null)}
                    aria-label={`${c.name}: follow the kinds’ classes again`}
                  >
                    <RotateCcw aria-hidden />
                    <span className="max-sm:hidden">Reset</span>
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </DataTable>
      )}
      <SaveMessage message={message} />
    </div>
  );
}
